"""Units lost or damaged inside a fulfillment center (ledger adjustments), net of what settled them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sellersync.detect.common import RuleContext, RuleResult, claim_key
from sellersync.detect.contract import LedgerAdjustment
from sellersync.detect.matching import Incident, Resolution
from sellersync.detect.rules._incidents import reimbursement_resolutions, settle_groups, settled_evidence
from sellersync.detect.valuation import marketplace_currency


def warehouse_rule(
    ctx: RuleContext,
    claim_type: str,
    *,
    incident_reasons: Collection[str],
    restock_reasons: Collection[str],
    restock_kind: str,
    reimbursement_reasons: Collection[str],
    sellable_only: bool,
) -> RuleResult:
    """Incidents: negative adjustments with ``incident_reasons``. Resolutions: positive adjustments with
    ``restock_reasons`` (units found / returned to sellable) and reimbursements of
    ``reimbursement_reasons`` net of their reversals. One finding per incident with units still open."""
    facts = ctx.facts
    incidents: dict[tuple[str, str], list[Incident]] = defaultdict(list)
    resolutions = reimbursement_resolutions(facts.reimbursements, reimbursement_reasons)
    by_id: dict[int, LedgerAdjustment] = {}
    for a in facts.adjustments:
        group = (a.marketplace_id, a.fnsku)
        if a.quantity < 0 and a.reason in incident_reasons:
            incidents[group].append(
                Incident(
                    a.id,
                    a.event_date,
                    -a.quantity,
                    reconciled=a.reconciled_quantity,
                    unreconciled=a.unreconciled_quantity,
                )
            )
            by_id[a.id] = a
        elif (
            a.quantity > 0
            and a.reason in restock_reasons
            and (not sellable_only or a.disposition.upper() == "SELLABLE")
        ):
            resolutions[group].append(Resolution(("ledger", a.id), a.event_date, a.quantity, restock_kind))
    result = RuleResult()
    for inc in settle_groups(incidents, resolutions):
        a = by_id[int(str(inc.key))]
        identity = (a.fnsku, a.reference_id or f"row:{a.id}", a.event_date.isoformat())
        if inc.remaining <= 0:
            result.settle(
                claim_key(claim_type, a.marketplace_id, *identity), inc.settled_by, settled_evidence(inc)[0]
            )
            continue
        product = ctx.product(a.marketplace_id, a.sku, a.fnsku)
        cost, source = ctx.costs.cost(a.marketplace_id, a.sku or product.sku)
        rb_ids, rb_rows, ledger_rows = settled_evidence(inc)
        finding = ctx.finding(
            claim_type,
            identity,
            marketplace_id=a.marketplace_id,
            sku=a.sku,
            fnsku=a.fnsku,
            asin=a.asin,
            quantity=inc.remaining,
            unit_amount=cost,
            currency=product.currency or marketplace_currency(a.marketplace_id),
            event_date=a.event_date,
            evidence={
                "rows": {"inventory_ledger": sorted({a.id, *ledger_rows}), "reimbursements": rb_rows},
                "ledgerReferenceIds": [a.reference_id] if a.reference_id else [],
                "reason": a.reason,
                "fulfillmentCenter": a.fulfillment_center,
                "quantityAdjusted": -a.quantity,
                "quantitySettled": inc.quantity - inc.remaining,
                "ledgerReconciledQuantity": a.reconciled_quantity,
                "ledgerUnreconciledQuantity": a.unreconciled_quantity,
                "reimbursementIds": rb_ids,
                "unitValue": None if cost is None else str(cost),
                "valuation": source,
            },
        )
        if finding is not None:
            result.findings.append(finding)
    return result
