"""What a unit is worth, and what its fulfillment fee should be.

- **Unit cost** (FACTS §8: units lost or damaged before a customer order are valued at manufacturing
  cost): the seller's own cost from ``seller_products`` when given; else the per-unit amount Amazon
  itself paid for that SKU in that marketplace for a full warehouse or inbound loss (the highest such
  amount, so one under-reimbursement does not lower the reference); else what Amazon paid for the same
  SKU in another marketplace, converted to this marketplace's currency at the fixed reference rates of
  ``EUR_RATES`` and labelled (``amazon_paid_other_marketplace``); else unknown: the claim is still
  reported, with no amount (``needs_cost``, never 0.00) and ``valuation: "unknown"``.
- **Unit value after an order** (sale price less fees) comes from the order's ShipmentEvent
  (``SaleFact.unit_value``).
- **Fulfillment fee**: the versioned tier table in settings (``detect_fee_tiers``). The SKU's size tier
  comes from the seller's package dimensions when given (Amazon's US rule, as docs/emulator.md), else it
  is read from the fees Amazon charged the SKU: the tier whose table fee matches most of its shipments.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sellersync.config import FeeTierVersion
from sellersync.detect.contract import ProductFact, ReimbursementFact
from sellersync.normalize.marketplaces import CURRENCIES

SMALL_STANDARD = "Small standard-size"
LARGE_STANDARD = "Large standard-size"
LARGE_BULKY = "Large bulky"

#: Reimbursement reasons that pay a unit at manufacturing cost (losses before a customer order).
COST_VALUED_REASONS = ("Lost_Warehouse", "Damaged_Warehouse", "Lost_Inbound")


def marketplace_currency(marketplace_id: str) -> str:
    return CURRENCIES.get(marketplace_id, "")


def size_tier(length_in: Decimal, width_in: Decimal, height_in: Decimal, weight_lb: Decimal) -> str:
    """Amazon's US size-tier rule, simplified to three tiers (docs/emulator.md)."""
    dims = sorted((length_in, width_in, height_in), reverse=True)
    if dims[0] <= 15 and dims[1] <= 12 and dims[2] <= Decimal("0.75") and weight_lb <= 1:
        return SMALL_STANDARD
    if dims[0] <= 18 and dims[1] <= 14 and dims[2] <= 8 and weight_lb <= 20:
        return LARGE_STANDARD
    return LARGE_BULKY


class FeeSchedule:
    """The fulfillment fee per unit on a date: the newest version valid on it (else the oldest)."""

    def __init__(self, versions: Sequence[FeeTierVersion]) -> None:
        self.versions = sorted(versions, key=lambda v: v.valid_from)

    def version(self, on: date) -> FeeTierVersion | None:
        if not self.versions:
            return None
        chosen = self.versions[0]
        for v in self.versions:
            if v.valid_from <= on:
                chosen = v
        return chosen

    def fee(self, tier: str, currency: str, on: date) -> Decimal | None:
        v = self.version(on)
        return None if v is None else v.fees.get(tier, {}).get(currency)

    def tiers_charging(self, fee: Decimal, currency: str, on: date) -> list[str]:
        v = self.version(on)
        if v is None:
            return []
        return [tier for tier, per_cur in v.fees.items() if per_cur.get(currency) == fee]


#: Units of a currency per 1 EUR: fixed reference rates (rounded ECB rates of late 2026), used only to
#: value a unit from what Amazon paid for the same SKU in another marketplace. The label of such a
#: claim names the rate, so the seller sees it is an estimate and can enter the real cost instead.
EUR_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.08"),
    "GBP": Decimal("0.85"),
    "CAD": Decimal("1.48"),
    "MXN": Decimal("19.5"),
    "BRL": Decimal("5.9"),
    "SEK": Decimal("11.4"),
    "PLN": Decimal("4.3"),
    "TRY": Decimal("36"),
    "AED": Decimal("3.97"),
    "SAR": Decimal("4.05"),
    "INR": Decimal("91"),
    "JPY": Decimal("163"),
    "AUD": Decimal("1.65"),
    "SGD": Decimal("1.45"),
    "ZAR": Decimal("19.6"),
    "EGP": Decimal("53"),
}


def fx_rate(from_currency: str, to_currency: str) -> Decimal | None:
    """Units of ``to_currency`` per unit of ``from_currency`` at the reference rates (None: unknown)."""
    if from_currency == to_currency:
        return Decimal("1")
    a, b = EUR_RATES.get(from_currency), EUR_RATES.get(to_currency)
    if a is None or b is None:
        return None
    return (b / a).quantize(Decimal("0.0001"))


class UnitCosts:
    """Manufacturing cost per (marketplace, SKU): the seller's, else Amazon's own full-loss payments."""

    def __init__(self, products: Iterable[ProductFact], reimbursements: Iterable[ReimbursementFact]) -> None:
        self.seller: dict[tuple[str, str], Decimal] = {
            (p.marketplace_id, p.sku): p.unit_cost for p in products if p.unit_cost is not None
        }
        paid: dict[tuple[str, str], Counter[Decimal]] = defaultdict(Counter)
        self.currency_of: dict[tuple[str, str], str] = {}
        for r in reimbursements:
            if r.reason in COST_VALUED_REASONS and not r.is_reversal and r.amount_per_unit:
                paid[(r.marketplace_id, r.sku)][r.amount_per_unit.quantize(Decimal("0.01"))] += 1
                self.currency_of.setdefault((r.marketplace_id, r.sku), r.currency)
        self.history = {k: max(c) for k, c in paid.items()}
        self.by_sku: dict[str, list[str]] = defaultdict(list)
        for mkt, sku in sorted(self.history):
            self.by_sku[sku].append(mkt)

    def other_marketplace(self, marketplace_id: str, sku: str) -> tuple[Decimal, str] | None:
        """(value in this marketplace's currency, label) from Amazon's payments in another marketplace:
        a marketplace of the same currency first, else the highest converted value."""
        to_currency = marketplace_currency(marketplace_id)
        best: tuple[int, Decimal, str] | None = None
        for mkt in self.by_sku.get(sku, ()):
            if mkt == marketplace_id or not to_currency:
                continue
            paid = self.history[(mkt, sku)]
            from_currency = self.currency_of.get((mkt, sku)) or marketplace_currency(mkt)
            rate = fx_rate(from_currency, to_currency)
            if rate is None:
                continue
            value = (paid * rate).quantize(Decimal("0.01"))
            label = f"Amazon paid {paid} {from_currency} per unit in marketplace {mkt}"
            if from_currency != to_currency:
                label += f"; converted from {from_currency} at {rate}"
            candidate = (1 if from_currency == to_currency else 0, value, label)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        return None if best is None else (best[1], best[2])

    def cost(self, marketplace_id: str, sku: str) -> tuple[Decimal | None, str]:
        """(unit cost, its source): ``seller_cost``, ``reimbursement_history``,
        ``amazon_paid_other_marketplace`` or ``unknown``."""
        key = (marketplace_id, sku)
        if key in self.seller:
            return self.seller[key].quantize(Decimal("0.01")), "seller_cost"
        if key in self.history:
            return self.history[key], "reimbursement_history"
        other = self.other_marketplace(marketplace_id, sku)
        if other is not None:
            return other[0], "amazon_paid_other_marketplace"
        return None, "unknown"

    def label(self, marketplace_id: str, sku: str) -> str:
        """How a value from another marketplace was obtained ("" when it was not)."""
        if (marketplace_id, sku) in self.seller or (marketplace_id, sku) in self.history:
            return ""
        other = self.other_marketplace(marketplace_id, sku)
        return "" if other is None else other[1]
