"""Inbound shortage: units the seller shipped to Amazon (InboundShipmentItem ``QuantityShipped``) that
never arrived: neither in ``QuantityReceived`` nor in the ledger ``Receipts`` of the shipment (later
receipts count), net of ``Lost_Inbound`` reimbursements (matched on marketplace, FNSKU, quantity and
date). Only shipments Amazon has finished receiving: CLOSED, or RECEIVING with no update for
``detect_inbound_grace_days``. Valued at unit cost; the window is 15 to 60 days after delivery (the
shipment's first ledger receipt)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sellersync.detect.common import RuleContext, RuleResult, claim_key
from sellersync.detect.contract import InboundItemFact, LedgerTotal
from sellersync.detect.matching import Incident
from sellersync.detect.policy import INBOUND_SHORTAGE, WINDOWS
from sellersync.detect.rules._incidents import reimbursement_resolutions, settle_groups, settled_evidence
from sellersync.detect.valuation import marketplace_currency

REIMBURSEMENT_REASONS = ("Lost_Inbound",)
CLOSED = ("CLOSED",)


def _finished(item: InboundItemFact, ctx: RuleContext) -> bool:
    status = item.shipment_status.upper()
    if status in CLOSED:
        return True
    if status == "RECEIVING" and item.last_updated_date is not None:
        grace = timedelta(days=ctx.settings.detect_inbound_grace_days)
        return (item.last_updated_date + grace).date() < ctx.today
    return False


def detect(ctx: RuleContext) -> RuleResult:
    facts = ctx.facts
    receipts: dict[tuple[str, str], LedgerTotal] = {}
    delivered: dict[str, datetime] = {}
    for t in facts.inbound_receipts:
        receipts[(t.reference_id, t.fnsku)] = t
        if t.reference_id not in delivered or t.first_date < delivered[t.reference_id]:
            delivered[t.reference_id] = t.first_date
    incidents: dict[tuple[str, str], list[Incident]] = defaultdict(list)
    by_key: dict[int, tuple[InboundItemFact, int, datetime, LedgerTotal | None]] = {}
    for item in facts.inbound:
        if not _finished(item, ctx):
            continue
        fnsku = item.fnsku or ctx.product(item.marketplace_id, item.sku).fnsku
        ledger = receipts.get((item.shipment_id, fnsku))
        received = max(item.quantity_received, ledger.quantity if ledger else 0)
        short = item.quantity_shipped - received
        if short <= 0:
            continue
        when = delivered.get(item.shipment_id) or item.last_updated_date or item.created_date
        if when is None:
            continue
        incidents[(item.marketplace_id, fnsku)].append(
            Incident(item.id, when, short, payable_from=when + timedelta(days=WINDOWS[INBOUND_SHORTAGE][0]))
        )
        by_key[item.id] = (item, received, when, ledger)
    result = RuleResult()
    resolutions = reimbursement_resolutions(facts.reimbursements, REIMBURSEMENT_REASONS)
    for inc in settle_groups(incidents, resolutions):
        item, received, when, ledger = by_key[int(str(inc.key))]
        identity = (item.shipment_id, item.sku)
        if inc.remaining <= 0:
            key = claim_key(INBOUND_SHORTAGE, item.marketplace_id, *identity)
            result.settle(key, inc.settled_by, settled_evidence(inc)[0])
            continue
        product = ctx.product(item.marketplace_id, item.sku, item.fnsku)
        cost, source = ctx.costs.cost(item.marketplace_id, item.sku)
        rb_ids, rb_rows, _ = settled_evidence(inc)
        finding = ctx.finding(
            INBOUND_SHORTAGE,
            identity,
            marketplace_id=item.marketplace_id,
            sku=item.sku,
            fnsku=item.fnsku,
            asin="",
            quantity=inc.remaining,
            unit_amount=cost,
            currency=product.currency or marketplace_currency(item.marketplace_id),
            event_date=when,
            evidence={
                "rows": {
                    "inbound_shipment_items": [item.id],
                    "inbound_shipments": [item.shipment_row_id] if item.shipment_row_id else [],
                    "inventory_ledger": list(ledger.row_ids) if ledger else [],
                    "reimbursements": rb_rows,
                },
                "shipmentId": item.shipment_id,
                "shipmentStatus": item.shipment_status,
                "quantityShipped": item.quantity_shipped,
                "quantityReceived": received,
                "deliveryDate": when.isoformat(),
                "reimbursementIds": rb_ids,
                "unitValue": None if cost is None else str(cost),
                "valuation": source,
            },
        )
        if finding is not None:
            result.findings.append(finding)
    return result
