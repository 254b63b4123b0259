"""Removal lost: a completed ``Return`` removal order line whose ``shipped-quantity`` (the units that
left the FC; the ledger ``VendorReturns``) exceeds the units in its removal shipment rows, net of
removal reimbursements. Valued at unit cost; the window is 15 to 75 days after the removal shipment
(its ledger ``VendorReturns`` date, else the first shipment row, else the order's last update)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sellersync.detect.common import RuleContext, RuleResult, claim_key
from sellersync.detect.contract import LedgerTotal, RemovalFact
from sellersync.detect.matching import Incident
from sellersync.detect.policy import REMOVAL_LOST, WINDOWS
from sellersync.detect.rules._incidents import reimbursement_resolutions, settle_groups, settled_evidence
from sellersync.detect.valuation import marketplace_currency

#: Reimbursement reasons Amazon uses for lost removal units (names not verified against real reports).
REIMBURSEMENT_REASONS = ("RemovalOrderLost", "Removal_Order_Lost", "Lost_Removal")


def detect(ctx: RuleContext) -> RuleResult:
    facts = ctx.facts
    left: dict[tuple[str, str], LedgerTotal] = {(t.reference_id, t.fnsku): t for t in facts.removal_ledger}
    incidents: dict[tuple[str, str], list[Incident]] = defaultdict(list)
    by_key: dict[int, tuple[RemovalFact, datetime, LedgerTotal | None]] = {}
    for r in facts.removals:
        if r.order_type.lower() != "return" or r.order_status.lower() != "completed":
            continue
        missing = r.shipped_quantity - r.shipped_in_rows
        if missing <= 0:
            continue
        fnsku = r.fnsku or ctx.product(r.marketplace_id, r.sku).fnsku
        ledger = left.get((r.order_id, fnsku))
        when = (ledger.first_date if ledger else None) or r.first_shipment_date or r.last_updated_date
        when = when or r.request_date
        incidents[(r.marketplace_id, fnsku)].append(
            Incident(r.id, when, missing, payable_from=when + timedelta(days=WINDOWS[REMOVAL_LOST][0]))
        )
        by_key[r.id] = (r, when, ledger)
    result = RuleResult()
    resolutions = reimbursement_resolutions(facts.reimbursements, REIMBURSEMENT_REASONS)
    for inc in settle_groups(incidents, resolutions):
        r, when, ledger = by_key[int(str(inc.key))]
        identity = (r.order_id, r.sku)
        if inc.remaining <= 0:
            result.settle(
                claim_key(REMOVAL_LOST, r.marketplace_id, *identity), inc.settled_by, settled_evidence(inc)[0]
            )
            continue
        cost, source = ctx.costs.cost(r.marketplace_id, r.sku)
        rb_ids, rb_rows, _ = settled_evidence(inc)
        finding = ctx.finding(
            REMOVAL_LOST,
            identity,
            marketplace_id=r.marketplace_id,
            sku=r.sku,
            fnsku=r.fnsku,
            asin="",
            quantity=inc.remaining,
            unit_amount=cost,
            currency=r.currency or marketplace_currency(r.marketplace_id),
            event_date=when,
            evidence={
                "rows": {
                    "removal_orders": [r.id],
                    "removal_shipments": list(r.shipment_row_ids),
                    "inventory_ledger": list(ledger.row_ids) if ledger else [],
                    "reimbursements": rb_rows,
                },
                "removalOrderId": r.order_id,
                "shippedQuantity": r.shipped_quantity,
                "quantityInShipmentRows": r.shipped_in_rows,
                "shipmentDate": when.isoformat(),
                "reimbursementIds": rb_ids,
                "unitValue": None if cost is None else str(cost),
                "valuation": source,
            },
        )
        if finding is not None:
            result.findings.append(finding)
    return result
