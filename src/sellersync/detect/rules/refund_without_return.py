"""Refund without return: an FBA order item refunded (RefundEventList) with no return row for the
order and SKU in the returns report and no reimbursement naming the order, for the units refunded
beyond those returned or reimbursed. Valued at the unit's value after the order (sale price less
commission and fulfillment fee, from its ShipmentEvent). The window counts from the refund: 60 to 120
days (EU 45 to 105); before day 60 the customer may still return it (``not_yet_eligible``)."""

from __future__ import annotations

from sellersync.detect.common import RuleContext, RuleResult, claim_key
from sellersync.detect.policy import REFUND_WITHOUT_RETURN
from sellersync.detect.rules._refunds import refunded_items


def detect(ctx: RuleContext) -> RuleResult:
    result = RuleResult()
    for item in refunded_items(ctx):
        identity = (item.order_id, item.sku)
        missing = item.refunded - item.returned
        if missing <= 0:
            continue
        if item.never_returned <= 0:
            key = claim_key(REFUND_WITHOUT_RETURN, item.marketplace_id, *identity)
            result.settle(key, "reimbursed", item.reimbursement_ids)
            continue
        sale = item.sale
        finding = ctx.finding(
            REFUND_WITHOUT_RETURN,
            identity,
            marketplace_id=item.marketplace_id,
            sku=item.sku,
            fnsku="",
            asin="",
            quantity=item.never_returned,
            unit_amount=item.unit_value(),
            currency=(sale.currency if sale else "") or item.refunds[0].currency,
            event_date=item.refund_date,
            evidence=item.evidence(),
        )
        if finding is not None:
            result.findings.append(finding)
    return result
