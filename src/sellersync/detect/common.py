"""What every rule shares: the finding it reports, its stable key, and the run's context."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellersync.config import Settings
from sellersync.detect.contract import Facts, ProductFact
from sellersync.detect.policy import Window, window_for
from sellersync.detect.valuation import FeeSchedule, UnitCosts

CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def claim_key(claim_type: str, *identity: object) -> str:
    """A digest of the type and the identifying evidence: the same finding has the same key forever."""
    text = "\x1f".join([claim_type, *(str(p) for p in identity)])
    return hashlib.sha256(text.encode()).hexdigest()


def codes(text: str) -> frozenset[str]:
    return frozenset(c.strip() for c in text.split(",") if c.strip())


@dataclass(frozen=True)
class Finding:
    """One claim as a rule sees it, before it is stored."""

    type: str
    key: str
    marketplace_id: str
    sku: str
    fnsku: str
    asin: str
    quantity: int
    amount: Decimal | None  # quantity × per-unit shortfall, rounded to cents; None: unit value unknown
    currency: str
    event_date: datetime
    window: Window
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class RuleResult:
    findings: list[Finding] = field(default_factory=list)
    #: keys of incidents this rule saw settled, with how: "reimbursed" or "resolved" (found, returned)
    settled: dict[str, str] = field(default_factory=dict)
    #: keys of settled incidents -> the reimbursement ids that paid them (the claim's money received)
    paid: dict[str, list[str]] = field(default_factory=dict)

    def settle(self, key: str, how: str, reimbursement_ids: list[str]) -> None:
        self.settled[key] = how
        self.paid[key] = reimbursement_ids


@dataclass
class RuleContext:
    """Settings, the evaluation date and the valuation helpers shared by the rules of one run."""

    settings: Settings
    today: date
    region: str
    facts: Facts
    fees: FeeSchedule = field(init=False)
    costs: UnitCosts = field(init=False)
    _products: dict[tuple[str, str], ProductFact] = field(init=False)
    _by_fnsku: dict[tuple[str, str], ProductFact] = field(init=False)

    def __post_init__(self) -> None:
        self.fees = FeeSchedule(self.settings.detect_fee_tiers)
        self.costs = UnitCosts(self.facts.products, self.facts.reimbursements)
        self._products = {(p.marketplace_id, p.sku): p for p in self.facts.products}
        self._by_fnsku = {(p.marketplace_id, p.fnsku): p for p in self.facts.products if p.fnsku}

    @property
    def min_unit_difference(self) -> Decimal:
        return self.settings.detect_min_unit_difference

    def window(self, claim_type: str, event_date: datetime) -> Window:
        return window_for(claim_type, self.region, event_date.date(), self.today)

    def product(self, marketplace_id: str, sku: str = "", fnsku: str = "") -> ProductFact:
        p = self._products.get((marketplace_id, sku)) if sku else None
        if p is None and fnsku:
            p = self._by_fnsku.get((marketplace_id, fnsku))
        return p or ProductFact(marketplace_id, sku, fnsku)

    def finding(
        self,
        claim_type: str,
        identity: tuple[object, ...],
        *,
        marketplace_id: str,
        sku: str,
        fnsku: str,
        asin: str,
        quantity: int,
        unit_amount: Decimal | None,
        currency: str,
        event_date: datetime,
        evidence: dict[str, Any],
    ) -> Finding | None:
        """A finding (or None when it is worth less than ``detect_min_claim_amount``).

        Without a unit value the finding has no amount (``None``: the claim needs the seller's cost),
        never 0.00. A value Amazon paid in another marketplace is labelled in ``valuationLabel``."""
        amount = q2(unit_amount * quantity) if unit_amount is not None else None
        if amount is not None and amount < self.settings.detect_min_claim_amount:
            return None
        product = self.product(marketplace_id, sku, fnsku)
        label = self.costs.label(marketplace_id, sku or product.sku)
        if label and evidence.get("valuation") == "amazon_paid_other_marketplace":
            evidence = {**evidence, "valuationLabel": label}
        return Finding(
            type=claim_type,
            key=claim_key(claim_type, marketplace_id, *identity),
            marketplace_id=marketplace_id,
            sku=sku or product.sku,
            fnsku=fnsku or product.fnsku,
            asin=asin or product.asin,
            quantity=quantity,
            amount=amount,
            currency=currency,
            event_date=event_date,
            window=self.window(claim_type, event_date),
            evidence=evidence,
        )


Rule = Callable[[RuleContext], RuleResult]
