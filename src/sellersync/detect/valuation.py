"""What a unit is worth, and what its fulfillment fee should be.

- **Unit cost** (FACTS §8: units lost or damaged before a customer order are valued at manufacturing
  cost): the seller's own cost from ``seller_products`` when given; else the per-unit amount Amazon
  itself paid for that SKU in that marketplace for a full warehouse or inbound loss (the highest such
  amount, so one under-reimbursement does not lower the reference); else unknown (the claim is still
  reported, with amount 0 and ``valuation: "unknown"``).
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


class UnitCosts:
    """Manufacturing cost per (marketplace, SKU): the seller's, else Amazon's own full-loss payments."""

    def __init__(self, products: Iterable[ProductFact], reimbursements: Iterable[ReimbursementFact]) -> None:
        self.seller: dict[tuple[str, str], Decimal] = {
            (p.marketplace_id, p.sku): p.unit_cost for p in products if p.unit_cost is not None
        }
        paid: dict[tuple[str, str], Counter[Decimal]] = defaultdict(Counter)
        for r in reimbursements:
            if r.reason in COST_VALUED_REASONS and not r.is_reversal and r.amount_per_unit:
                paid[(r.marketplace_id, r.sku)][r.amount_per_unit.quantize(Decimal("0.01"))] += 1
        self.history = {k: max(c) for k, c in paid.items()}

    def cost(self, marketplace_id: str, sku: str) -> tuple[Decimal | None, str]:
        """(unit cost, its source): ``seller_cost``, ``reimbursement_history`` or ``unknown``."""
        key = (marketplace_id, sku)
        if key in self.seller:
            return self.seller[key].quantize(Decimal("0.01")), "seller_cost"
        if key in self.history:
            return self.history[key], "reimbursement_history"
        return None, "unknown"
