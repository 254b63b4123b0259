"""Return not restocked or not credited: a refunded FBA item came back (a returns-report row with its
license plate number) but no ledger ``CustomerReturns`` line received the units into inventory — a
line restocks a return when it carries the return's LPN or its order id, with the same FNSKU, on or
after the return date (``_refunds.restocked_returns``) — and no reimbursement naming the order covers
them. One finding per LPN; valued at the unit's value after the order; the window counts from the
refund (60 to 120 days, EU 45 to 105). Returns without an LPN are not reported: a claim must name the
unit Amazon received."""

from __future__ import annotations

from sellersync.detect.common import RuleContext, RuleResult, claim_key
from sellersync.detect.policy import RETURN_NOT_RESTOCKED
from sellersync.detect.rules._refunds import Restock, refunded_items, restocked_returns


def detect(ctx: RuleContext) -> RuleResult:
    result = RuleResult()
    restocked = restocked_returns(ctx)
    for item in refunded_items(ctx):
        credit = item.reimbursed_beyond_missing  # reimbursed units not needed for never-returned ones
        for ret in sorted(item.returns, key=lambda r: (r.return_date, r.id)):
            lpn = ret.license_plate_number
            if not lpn:
                continue
            identity = (item.order_id, item.sku, lpn)
            back = restocked.get(ret.id, Restock())
            missing = ret.quantity - back.units
            if missing <= 0:
                continue
            used = min(credit, missing)
            credit -= used
            missing -= used
            if missing <= 0:
                key = claim_key(RETURN_NOT_RESTOCKED, item.marketplace_id, *identity)
                result.settle(key, "reimbursed", item.reimbursement_ids)
                continue
            evidence = item.evidence()
            rows = evidence["rows"]
            assert isinstance(rows, dict)
            rows["customer_returns"] = [ret.id]
            rows["inventory_ledger"] = sorted(set(back.ledger_rows))
            evidence.update(
                licensePlateNumber=lpn,
                returnDate=ret.return_date.isoformat(),
                returnDisposition=ret.disposition,
                quantityInReturn=ret.quantity,
                quantityRestocked=back.units,
            )
            sale = item.sale
            finding = ctx.finding(
                RETURN_NOT_RESTOCKED,
                identity,
                marketplace_id=item.marketplace_id,
                sku=item.sku,
                fnsku=ret.fnsku,
                asin=ret.asin,
                quantity=missing,
                unit_amount=item.unit_value(),
                currency=(sale.currency if sale else "") or item.refunds[0].currency,
                event_date=item.refund_date,
                evidence=evidence,
            )
            if finding is not None:
                result.findings.append(finding)
    return result
