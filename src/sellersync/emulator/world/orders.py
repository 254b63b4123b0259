"""Customer orders and what follows them: FBA shipment, charges and fees, returns, refunds and the
reimbursements of refunds whose units never came back. Planted order discrepancies live here too."""

from __future__ import annotations

import random
import zlib
from datetime import datetime, timedelta
from decimal import Decimal

from ..contract import Marketplace
from .catalog import (
    FULFILLMENT_CENTERS,
    ORDER_PREFIX,
    SHIPPING_CHARGE,
    TAX_RATE,
    Product,
    commission,
    fulfillment_fee,
    overcharged_fee,
    q2,
)
from .context import Context, DayBuilder
from .finance import adjustment_event, refund_event, shipment_event
from .records import Item, LedgerRow, Order, ReimbRow, ReturnRow

CARRIERS = {
    "US": ("AMZN_US", "UPS"),
    "CA": ("AMZN_CA", "CANADA_POST"),
    "GB": ("AMZN_UK", "ROYAL_MAIL"),
    "DE": ("AMZN_DE", "DHL"),
}
PLACES = {
    "US": (
        ("Seattle", "WA", "98109"),
        ("Austin", "TX", "78701"),
        ("Columbus", "OH", "43215"),
        ("Denver", "CO", "80202"),
        ("Miami", "FL", "33130"),
    ),
    "CA": (("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Montréal", "QC", "H2Y 1C6")),
    "GB": (
        ("London", "Greater London", "EC1A 1BB"),
        ("Manchester", "Greater Manchester", "M1 1AE"),
        ("Leeds", "West Yorkshire", "LS1 4DY"),
    ),
    "DE": (
        ("München", "Bayern", "80331"),
        ("Köln", "Nordrhein-Westfalen", "50667"),
        ("Berlin", "Berlin", "10115"),
        ("Düsseldorf", "Nordrhein-Westfalen", "40213"),
    ),
}
RETURN_REASONS = (
    "UNWANTED_ITEM",
    "NOT_AS_DESCRIBED",
    "DEFECTIVE",
    "ORDERED_WRONG_ITEM",
    "FOUND_BETTER_PRICE",
    "MISSED_ESTIMATED_DELIVERY",
)
COMMENTS = ("", "", "", "Did not fit", "Arrived late", "Not what I expected", "Changed my mind")
DISPOSITIONS = (("SELLABLE", 70), ("CUSTOMER_DAMAGED", 20), ("DEFECTIVE", 10))
REFUND_PLANTS = ("refund_without_return", "return_not_restocked")


def ledger_ref_is_order_id(lpn: str) -> bool:
    """Whether the ledger's CustomerReturns line of a return carries the order id as its Reference ID
    instead of the LPN (Amazon writes either). About one return in four, in every scenario, chosen from
    the LPN so that the world's random draws, and so every other row, stay the same."""
    return zlib.crc32(lpn.encode()) % 4 == 0


def unit_value(it: Item) -> Decimal:
    """Value of one sold unit for a claim after a customer order: sale price less fees."""
    return it.unit_price - it.commission_per_unit - it.fee_per_unit


def _when(r: random.Random, start: datetime, min_h: float, max_h: float) -> datetime:
    return start + timedelta(seconds=r.randint(int(min_h * 3600), int(max_h * 3600)))


def make_order(
    ctx: Context, b: DayBuilder, r: random.Random, seq: int, mkt: Marketplace, planted: str = ""
) -> Order:
    day = b.day.index
    serial = day * 100_000 + seq
    cur = mkt.currency
    purchase = ctx.history.day_start(day) + timedelta(seconds=r.randint(0, 86_399))
    channel = "MFN" if not planted and r.random() < 0.05 else "AFN"
    n_items = 1 if planted else r.choices((1, 2, 3), cum_weights=(75, 95, 100))[0]
    products: list[Product] = []
    refund_plant = planted in REFUND_PLANTS
    ship_time: datetime | None = None
    while not refund_plant and len(products) < min(n_items, len(ctx.plan.catalog)):
        p = ctx.pick_product(r)
        if p not in products:
            products.append(p)
    for _ in range(100 if refund_plant else 0):
        # A refund claim is valued at the sale price less fees (FACTS §8): a product sold below its
        # fees leaves nothing to claim, so a refund plant draws again until the unit is worth something.
        p = ctx.pick_product(r)
        ship_time = _when(r, purchase, 4, 30)
        products = [p]
        if p.price[cur] - commission(p.price[cur]) - fulfillment_fee(p.tier, cur, ship_time.date()) > 0:
            break
    canceled = not planted and r.random() < 0.03
    if not refund_plant:
        ship_time = None if canceled else _when(r, purchase, 4, 30 if planted else 60)
    ship_date = (ship_time or purchase).date()
    has_shipping = not planted and r.random() < 0.12
    items = []
    for i, p in enumerate(products):
        qty = r.choices((1, 2, 3), cum_weights=(85, 97, 100))[0]
        unit = p.price[cur]
        promo = q2(unit * Decimal("0.10")) * qty if not planted and r.random() < 0.08 else Decimal(0)
        fee = Decimal(0)
        if channel == "AFN":
            fee = fulfillment_fee(p.tier, cur, ship_date)
            if planted == "fee_overcharge":
                fee = overcharged_fee(p.tier, cur, ship_date)
        items.append(
            Item(
                ctx.ids.order_item_id(serial, i),
                ctx.ids.customer_shipment_item_id(serial, i),
                p,
                qty,
                unit,
                q2(unit * TAX_RATE[mkt.marketplace_id]),
                SHIPPING_CHARGE[cur] if has_shipping and i == 0 else Decimal(0),
                promo,
                f"PLM-{ctx.ids.refund_id(serial * 4 + i)}" if promo else "",
                fee,
                commission(unit),
            )
        )
    cancel_time = _when(r, purchase, 0.2, 3) if canceled else purchase
    if canceled and cancel_time < ctx.anchor:
        status, updated = "Canceled", cancel_time
    elif ship_time is not None and ship_time < ctx.anchor:
        status, updated = "Shipped", ship_time
    else:
        status, updated = "Pending", purchase
    carrier = CARRIERS[mkt.country_code][0 if r.random() < 0.7 else 1]
    city, state, postal = r.choice(PLACES[mkt.country_code])
    prefix = r.choice(ORDER_PREFIX[mkt.marketplace_id])
    return Order(
        ctx.ids.order_id(prefix, day, seq),
        serial,
        mkt,
        purchase,
        status,
        updated,
        channel,
        items,
        ship_time if status == "Shipped" else None,
        ctx.ids.customer_shipment_id(serial),
        r.choice(FULFILLMENT_CENTERS[mkt.marketplace_id]),
        carrier,
        ctx.ids.tracking(carrier, serial),
        city,
        state,
        postal,
    )


def add_order(ctx: Context, b: DayBuilder, r: random.Random, order: Order, planted: str = "") -> None:
    """Record an order and everything that follows it before the anchor."""
    b.day.orders.append(order)
    if order.status != "Shipped" or order.ship_time is None:
        return
    ship = order.ship_time
    posted = ship
    if ctx.messy and not planted and r.random() < 0.03:
        posted = ship + timedelta(days=r.randint(2, 6), hours=r.randint(0, 20))  # late event
    b.day.finance.append(shipment_event(order, posted))
    if order.channel != "AFN":
        return
    for it in order.items:
        b.day.ledger.append(
            LedgerRow(
                ship,
                order.mkt,
                it.product,
                "Shipments",
                order.shipment_id,
                -it.quantity,
                order.fc,
                "SELLABLE",
            )
        )
    if planted in ("refund_without_return", "return_not_restocked"):
        _planted_refund(ctx, b, r, order, planted)
    elif planted == "fee_overcharge":
        it = order.items[0]
        expected = fulfillment_fee(it.product.tier, order.mkt.currency, ship.date())
        b.plant(
            planted,
            order.mkt,
            it.product,
            it.quantity,
            (it.fee_per_unit - expected) * it.quantity,
            posted,
            {
                "order_id": order.order_id,
                "order_item_id": it.order_item_id,
                "posted_date": posted.isoformat(),
                "size_tier": it.product.tier,
                "charged_fee_per_unit": str(it.fee_per_unit),
                "expected_fee_per_unit": str(expected),
            },
        )
    else:
        for it in order.items:
            _natural_return(ctx, b, r, order, it)


def _return_row(
    ctx: Context,
    b: DayBuilder,
    r: random.Random,
    order: Order,
    it: Item,
    qty: int,
    when: datetime,
    disposition: str,
) -> ReturnRow:
    row = ReturnRow(
        when,
        order.mkt,
        order.order_id,
        it.product,
        qty,
        r.choice(FULFILLMENT_CENTERS[order.mkt.marketplace_id]),
        disposition,
        r.choice(RETURN_REASONS),
        "Unit returned to inventory",
        ctx.ids.lpn(b.serial("lpn")),
        r.choice(COMMENTS),
    )
    b.day.returns.append(row)
    return row


def _natural_return(ctx: Context, b: DayBuilder, r: random.Random, order: Order, it: Item) -> None:
    assert order.ship_time is not None
    x = r.random()
    if x < 0.06:
        qty = r.randint(1, it.quantity)
        returned = order.ship_time + timedelta(days=r.randint(5, 35), seconds=r.randint(0, 86_399))
        refunded = max(
            order.ship_time + timedelta(hours=2), returned - timedelta(seconds=r.randint(0, 2 * 86_400))
        )
        disposition = r.choices([d for d, _ in DISPOSITIONS], weights=[w for _, w in DISPOSITIONS])[0]
        if returned >= ctx.anchor:
            return
        refund_id = ctx.ids.refund_id(b.serial("refund"))
        b.day.finance.append(refund_event(order, it, qty, refund_id, refunded))
        row = _return_row(ctx, b, r, order, it, qty, returned, disposition)
        ref = order.order_id if ledger_ref_is_order_id(row.lpn) else row.lpn
        b.day.ledger.append(
            LedgerRow(returned, order.mkt, it.product, "CustomerReturns", ref, qty, row.fc, disposition)
        )
    elif x < 0.07:
        qty = it.quantity
        refunded = order.ship_time + timedelta(days=r.randint(3, 10), seconds=r.randint(0, 86_399))
        approved = refunded + timedelta(days=r.randint(45, 55), seconds=r.randint(0, 86_399))
        if approved >= ctx.anchor:
            return
        b.day.finance.append(refund_event(order, it, qty, ctx.ids.refund_id(b.serial("refund")), refunded))
        reimburse(
            ctx,
            b,
            order.mkt,
            it.product,
            approved,
            "CustomerReturn",
            qty,
            unit_value(it),
            order_id=order.order_id,
        )


def _planted_refund(ctx: Context, b: DayBuilder, r: random.Random, order: Order, kind: str) -> None:
    assert order.ship_time is not None
    it = order.items[0]
    refunded = order.ship_time + timedelta(days=r.randint(3, 10), seconds=r.randint(0, 86_399))
    refund_id = ctx.ids.refund_id(b.serial("refund"))
    b.day.finance.append(refund_event(order, it, it.quantity, refund_id, refunded))
    evidence = {
        "order_id": order.order_id,
        "order_item_id": it.order_item_id,
        "refund_id": refund_id,
        "refund_date": refunded.isoformat(),
        "shipment_id": order.shipment_id,
    }
    if kind == "return_not_restocked":
        returned = refunded + timedelta(days=r.randint(2, 6))
        row = _return_row(
            ctx, b, r, order, it, it.quantity, min(returned, ctx.anchor - timedelta(hours=1)), "SELLABLE"
        )
        evidence["license_plate_number"] = row.lpn
        evidence["return_date"] = row.time.isoformat()
    b.plant(kind, order.mkt, it.product, it.quantity, unit_value(it) * it.quantity, refunded, evidence)


REIMBURSEMENT_TYPES = {
    "Lost_Warehouse": "WAREHOUSE_LOST",
    "Damaged_Warehouse": "WAREHOUSE_DAMAGE",
    "Lost_Inbound": "MISSING_FROM_INBOUND",
    "CustomerReturn": "FREE_REPLACEMENT_REFUND_ITEMS",
    "Reimbursement_Reversal": "REVERSAL_REIMBURSEMENT",
}


def reimburse(
    ctx: Context,
    b: DayBuilder,
    mkt: Marketplace,
    product: Product,
    approved: datetime,
    reason: str,
    qty: int,
    per_unit: Decimal,
    order_id: str = "",
    original: str = "",
    original_type: str = "",
) -> ReimbRow:
    """A cash reimbursement: a GET_FBA_REIMBURSEMENTS_DATA row and its AdjustmentEvent.
    A reversal has negative quantity and total (per-unit amount stays positive)."""
    rid = ctx.ids.reimbursement_id(b.serial("reimbursement"))
    total = q2(per_unit) * qty
    case = ctx.ids.case_id(b.serial("case")) if reason == "Lost_Inbound" else ""
    row = ReimbRow(
        approved,
        mkt,
        rid,
        case,
        order_id,
        reason,
        product,
        "New",
        q2(per_unit),
        total,
        qty,
        0,
        original,
        original_type,
    )
    b.day.reimbursements.append(row)
    b.day.finance.append(
        adjustment_event(
            mkt,
            REIMBURSEMENT_TYPES[reason],
            approved,
            product.sku,
            product.fnsku,
            product.asin,
            product.title,
            qty,
            q2(per_unit),
            total,
            rid,
        )
    )
    return row
