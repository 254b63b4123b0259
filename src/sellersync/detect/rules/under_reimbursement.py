"""Under-reimbursement: a reimbursement paid per unit below the unit's value (FACTS §8): manufacturing
cost for losses before a customer order (``Lost_Warehouse``, ``Damaged_Warehouse``, ``Lost_Inbound``),
sale price less fees for units of an order (``CustomerReturn``). Units later reversed are left out.
Amount = units × (value − paid per unit); the window counts from the approval date (0 to 60 days, the
emulator's assumption)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sellersync.detect.common import RuleContext, RuleResult, q2
from sellersync.detect.policy import UNDER_REIMBURSEMENT
from sellersync.detect.valuation import COST_VALUED_REASONS

AFTER_ORDER_REASONS = ("CustomerReturn",)


def detect(ctx: RuleContext) -> RuleResult:
    facts = ctx.facts
    reversed_units: dict[str, int] = defaultdict(int)
    for r in facts.reimbursements:
        if r.is_reversal and r.original_reimbursement_id:
            reversed_units[r.original_reimbursement_id] += abs(r.quantity_total)
    sale_value = {(s.order_id, s.sku): s.unit_value for s in facts.sales}
    result = RuleResult()
    for r in facts.reimbursements:
        if r.is_reversal or r.amount_per_unit is None:
            continue
        units = (r.quantity_cash or r.quantity_total) - reversed_units.get(r.reimbursement_id, 0)
        if units <= 0:
            continue
        value: Decimal | None
        if r.reason in COST_VALUED_REASONS:
            value, source = ctx.costs.cost(r.marketplace_id, r.sku)
        elif r.reason in AFTER_ORDER_REASONS and r.amazon_order_id:
            raw = sale_value.get((r.amazon_order_id, r.sku))
            value, source = (None, "unknown") if raw is None else (q2(raw), "sale_price_less_fees")
        else:
            continue
        if value is None:
            continue
        paid = q2(r.amount_per_unit)
        if value - paid < ctx.min_unit_difference:
            continue
        finding = ctx.finding(
            UNDER_REIMBURSEMENT,
            (r.reimbursement_id, r.sku),
            marketplace_id=r.marketplace_id,
            sku=r.sku,
            fnsku=r.fnsku,
            asin=r.asin,
            quantity=units,
            unit_amount=value - paid,
            currency=r.currency,
            event_date=r.approval_date,
            evidence={
                "rows": {"reimbursements": [r.id]},
                "reimbursementIds": [r.reimbursement_id],
                "reason": r.reason,
                "caseId": r.case_id,
                "orderId": r.amazon_order_id,
                "amountPerUnitPaid": str(paid),
                "unitValue": str(value),
                "valuation": source,
            },
        )
        if finding is not None:
            result.findings.append(finding)
    return result
