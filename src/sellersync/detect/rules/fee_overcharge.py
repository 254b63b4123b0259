"""Fee overcharge: an FBA fulfillment fee (``FBAPerUnitFulfillmentFee`` of a ShipmentEvent) per unit
above the fee of the SKU's size tier in the fee table valid on the shipment date (settings
``detect_fee_tiers``, versioned by date). The tier comes from the seller's package dimensions when
known, else from the SKU's own charge history (the tier whose fee matches most of its shipments, in
every marketplace).
Amount = (charged − table fee) × units; the window counts from the event's posted date (0 to 60 days,
the emulator's assumption: FACTS §8 has no fee rule)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sellersync.detect.common import RuleContext, RuleResult, q2
from sellersync.detect.contract import SaleFact
from sellersync.detect.policy import FEE_OVERCHARGE
from sellersync.detect.valuation import size_tier


def _charged(sale: SaleFact) -> Decimal:
    return q2(-sale.fba_fee / sale.quantity)


def _on(sale: SaleFact) -> date:
    return (sale.shipment_date or sale.posted_date).date()


def inferred_tiers(ctx: RuleContext, sales: list[SaleFact]) -> dict[tuple[str, str], str]:
    """Per (marketplace, SKU): the tier whose table fee matches most of the SKU's shipments in every
    marketplace (one product, one size; each shipment compared with the table of its own currency),
    ties: the dearer tier. A marketplace with few shipments is not judged by its overcharged ones."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    keys: dict[str, set[str]] = defaultdict(set)
    for s in sales:
        keys[s.sku].add(s.marketplace_id)
        for tier in ctx.fees.tiers_charging(_charged(s), s.currency, _on(s)):
            votes[s.sku][tier] += 1
    out = {}
    on = date.max
    for sku, counter in votes.items():
        tier = max(counter, key=lambda t: (counter[t], ctx.fees.fee(t, "USD", on) or Decimal(0), t))
        for mkt in keys[sku]:
            out[(mkt, sku)] = tier
    return out


def detect(ctx: RuleContext) -> RuleResult:
    sales = [s for s in ctx.facts.sales if s.fba_fee < 0 and s.quantity > 0]
    inferred = inferred_tiers(ctx, sales)
    result = RuleResult()
    for s in sales:
        product = ctx.product(s.marketplace_id, s.sku)
        if product.dimensions is not None:
            tier, tier_source = size_tier(*product.dimensions), "dimensions"
        elif (s.marketplace_id, s.sku) in inferred:
            tier, tier_source = inferred[(s.marketplace_id, s.sku)], "charge_history"
        else:
            continue
        expected = ctx.fees.fee(tier, s.currency, _on(s))
        if expected is None:
            continue
        charged = _charged(s)
        if charged - expected < ctx.min_unit_difference:
            continue
        finding = ctx.finding(
            FEE_OVERCHARGE,
            (s.order_id, s.sku),
            marketplace_id=s.marketplace_id,
            sku=s.sku,
            fnsku="",
            asin="",
            quantity=s.quantity,
            unit_amount=charged - expected,
            currency=s.currency,
            event_date=s.posted_date,
            evidence={
                "rows": {
                    "financial_events": list(s.row_ids),
                    "fba_shipments": [s.shipment_row_id] if s.shipment_row_id else [],
                },
                "orderId": s.order_id,
                "orderItemId": s.order_item_id,
                "postedDate": s.posted_date.isoformat(),
                "shipmentDate": s.shipment_date.isoformat() if s.shipment_date else None,
                "sizeTier": tier,
                "tierSource": tier_source,
                "feeTableVersion": str(ctx.fees.version(_on(s)).valid_from),  # type: ignore[union-attr]
                "chargedFeePerUnit": str(charged),
                "expectedFeePerUnit": str(expected),
            },
        )
        if finding is not None:
            result.findings.append(finding)
    return result
