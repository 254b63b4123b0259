"""Fulfillment-center life that is not a customer order: inbound receipts, losses, damages, found
units, their reimbursements (and reversals), removal orders, and monthly storage fees."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from ..contract import Marketplace
from .catalog import FULFILLMENT_CENTERS, Product, q2
from .context import Context, DayBuilder
from .finance import service_fee_event
from .orders import reimburse
from .plan import Plant, removal_fee
from .records import LedgerRow

LOSS_RATE = Decimal("0.004")  # incidents per order


def incidents(ctx: Context, b: DayBuilder, r: random.Random) -> None:
    orders_today = ctx.plan.day_counts[b.day.index]
    total_weight = sum(ctx.market_weights)
    for mkt, weight in zip(ctx.marketplaces, ctx.market_weights, strict=True):
        rate = max(0.02 * weight / total_weight, float(orders_today * LOSS_RATE) * weight / total_weight)
        count = int(rate) + (1 if r.random() < rate - int(rate) else 0)
        for _ in range(count):
            _natural_incident(ctx, b, r, mkt)


def _adjust(
    ctx: Context,
    b: DayBuilder,
    r: random.Random,
    mkt: Marketplace,
    product: Product,
    reason: str,
    qty: int,
    start_hours: float = 0,
) -> LedgerRow:
    if b.day.index == 0:  # the first receipts arrive in the first hours of the history
        start_hours = max(start_hours, 3)
    seconds = r.randint(0, 86_399 - int(start_hours * 3600))
    when = ctx.history.day_start(b.day.index) + timedelta(hours=start_hours, seconds=seconds)
    row = LedgerRow(
        when,
        mkt,
        product,
        "Adjustments",
        ctx.ids.adjustment_ref(b.serial("adjustment")),
        qty,
        r.choice(FULFILLMENT_CENTERS[mkt.marketplace_id]),
        "SELLABLE",
        reason,
    )
    b.day.ledger.append(row)
    return row


def _damage_rows(
    ctx: Context, b: DayBuilder, r: random.Random, mkt: Marketplace, product: Product, qty: int
) -> LedgerRow:
    row = _adjust(ctx, b, r, mkt, product, "E", -qty)
    b.day.ledger.append(
        LedgerRow(
            row.time, mkt, product, "Adjustments", row.reference_id, qty, row.fc, "WAREHOUSE_DAMAGED", "P"
        )
    )
    return row


def _natural_incident(ctx: Context, b: DayBuilder, r: random.Random, mkt: Marketplace) -> None:
    product = ctx.pick_product(r)
    qty = r.choices((1, 2, 3), weights=(80, 15, 5))[0]
    cost = product.cost[mkt.currency]
    start = ctx.history.day_start(b.day.index)
    latest = start + timedelta(days=1)
    if r.random() < 0.4:  # damaged in the FC, reimbursed
        approved = latest + timedelta(days=r.randint(5, 30), seconds=r.randint(0, 86_399))
        if approved >= ctx.anchor:
            return
        damage = _damage_rows(ctx, b, r, mkt, product, qty)
        damage.reconciled = qty  # the ledger marks the damage reconciled (reimbursed)
        reimburse(ctx, b, mkt, product, approved, "Damaged_Warehouse", qty, cost)
        return
    style = r.random()
    found_at = latest + timedelta(days=r.randint(2, 20), seconds=r.randint(0, 86_399))
    approved = latest + timedelta(days=r.randint(5, 30), seconds=r.randint(0, 86_399))
    reversal = ctx.messy and style < 0.15
    partial = ctx.messy and 0.15 <= style < 0.25
    found_only = not reversal and not partial and style > 0.6
    if reversal:
        found_at = approved + timedelta(days=r.randint(5, 25))
    if partial:
        qty = max(qty, 2)
        found_at = approved + timedelta(days=r.randint(1, 10))
    last = found_at + timedelta(days=5) if reversal else max(found_at, approved)
    if last >= ctx.anchor:
        return
    lost = _adjust(ctx, b, r, mkt, product, "M", -qty)
    lost.reconciled = qty
    if found_only:
        _found(ctx, b, mkt, product, qty, lost.fc, found_at)
        return
    paid_qty = qty - 1 if partial else qty
    row = reimburse(ctx, b, mkt, product, approved, "Lost_Warehouse", paid_qty, cost)
    if partial:
        _found(ctx, b, mkt, product, 1, lost.fc, found_at)
    if reversal:
        _found(ctx, b, mkt, product, qty, lost.fc, found_at)
        reimburse(
            ctx,
            b,
            mkt,
            product,
            found_at + timedelta(days=r.randint(1, 5)),
            "Reimbursement_Reversal",
            -qty,
            cost,
            original=row.reimbursement_id,
            original_type="Lost_Warehouse",
        )


def _found(
    ctx: Context, b: DayBuilder, mkt: Marketplace, product: Product, qty: int, fc: str, when: datetime
) -> None:
    b.day.ledger.append(
        LedgerRow(
            when,
            mkt,
            product,
            "Adjustments",
            ctx.ids.adjustment_ref(b.serial("adjustment")),
            qty,
            fc,
            "SELLABLE",
            "F",
            qty,
            0,
        )
    )


def planted_incident(ctx: Context, b: DayBuilder, r: random.Random, plant: Plant) -> None:
    mkt = plant.mkt
    product = ctx.pick_product(r)
    cost = product.cost[mkt.currency]
    if plant.kind == "lost_in_warehouse":
        qty = r.randint(1, 3)
        row = _adjust(ctx, b, r, mkt, product, r.choice(("M", "M", "5")), -qty)
        row.unreconciled = qty
        b.plant(
            plant.kind,
            mkt,
            product,
            qty,
            cost * qty,
            row.time,
            {
                "ledger_reference_ids": [row.reference_id],
                "fulfillment_center": row.fc,
                "reason": row.reason,
                "unit_value": str(cost),
            },
        )
    elif plant.kind == "damaged_in_warehouse":
        qty = r.randint(1, 2)
        row = _damage_rows(ctx, b, r, mkt, product, qty)
        row.unreconciled = qty
        b.plant(
            plant.kind,
            mkt,
            product,
            qty,
            cost * qty,
            row.time,
            {
                "ledger_reference_ids": [row.reference_id],
                "fulfillment_center": row.fc,
                "reason": "E",
                "unit_value": str(cost),
            },
        )
    elif plant.kind == "under_reimbursement":
        qty = r.randint(2, 3)
        row = _adjust(ctx, b, r, mkt, product, "M", -qty)
        row.reconciled = qty
        approved = row.time + timedelta(days=r.randint(3, 10), seconds=r.randint(0, 3600))
        paid = q2(cost * Decimal("0.5"))
        reimb = reimburse(ctx, b, mkt, product, approved, "Lost_Warehouse", qty, paid)
        b.plant(
            plant.kind,
            mkt,
            product,
            qty,
            (cost - paid) * qty,
            approved,
            {
                "reimbursement_ids": [reimb.reimbursement_id],
                "ledger_reference_ids": [row.reference_id],
                "amount_per_unit_paid": str(paid),
                "unit_value": str(cost),
            },
        )


def inbound_arrivals(ctx: Context, b: DayBuilder) -> None:
    for ship in ctx.plan.inbound:
        if ship.arrival_day != b.day.index:
            continue
        for when, item, qty in ship.receipts():
            b.day.ledger.append(
                LedgerRow(
                    when, ship.mkt, item.product, "Receipts", ship.shipment_id, qty, ship.fc, "SELLABLE"
                )
            )
        for item in ship.items:
            if item.reimbursed and item.reimbursed_at is not None:
                reimburse(
                    ctx,
                    b,
                    ship.mkt,
                    item.product,
                    item.reimbursed_at,
                    "Lost_Inbound",
                    item.reimbursed,
                    item.product.cost[ship.mkt.currency],
                )
            elif item.received < item.shipped and ship.planted:
                short = item.shipped - item.received
                cost = item.product.cost[ship.mkt.currency]
                b.plant(
                    "inbound_shortage",
                    ship.mkt,
                    item.product,
                    short,
                    cost * short,
                    ship.arrival,
                    {
                        "shipment_id": ship.shipment_id,
                        "quantity_shipped": item.shipped,
                        "quantity_received": item.received,
                        "delivery_date": ship.arrival.isoformat(),
                        "unit_value": str(cost),
                    },
                )


def removals(ctx: Context, b: DayBuilder) -> None:
    for order in ctx.plan.removals:
        if order.request_day != b.day.index:
            continue
        for i, line in enumerate(order.lines):
            qty = line.requested - line.cancelled
            if qty == 0:
                continue
            p = line.product
            b.day.ledger.append(
                LedgerRow(
                    order.done + timedelta(seconds=i),
                    order.mkt,
                    p,
                    "VendorReturns",
                    order.order_id,
                    -qty,
                    order.fc,
                    "SELLABLE",
                )
            )
            fee = removal_fee(p.tier) * qty
            kind = "FBARemovalFee" if order.order_type == "Return" else "FBADisposalFee"
            b.day.finance.append(
                service_fee_event(
                    order.mkt,
                    order.completed,
                    kind,
                    -fee,
                    f"Removal order {order.order_id}",
                    f"{order.order_id}-{i}",
                    p.sku,
                    p.fnsku,
                    p.asin,
                )
            )
            if line.lost:
                cost = p.cost[order.mkt.currency]
                b.plant(
                    "removal_lost",
                    order.mkt,
                    p,
                    line.lost,
                    cost * line.lost,
                    order.done,
                    {
                        "removal_order_id": order.order_id,
                        "shipped_quantity": qty,
                        "quantity_in_shipment_rows": qty - line.lost,
                        "shipment_date": order.done.isoformat(),
                        "unit_value": str(cost),
                    },
                )


def storage_fees(ctx: Context, b: DayBuilder, r: random.Random) -> None:
    start = ctx.history.day_start(b.day.index)
    if start.day != 7:
        return
    scale = max(1, sum(ctx.plan.day_counts[max(0, b.day.index - 30) : b.day.index + 1]) // 30)
    for mkt in ctx.marketplaces:
        amount = Decimal(r.randint(300, 3000)) / 100 * scale
        b.day.finance.append(
            service_fee_event(
                mkt,
                start + timedelta(hours=6),
                "FBAStorageFee",
                -q2(amount),
                f"FBA storage fee {start:%Y-%m}",
                f"storage-{mkt.country_code}-{b.day.index}",
            )
        )
