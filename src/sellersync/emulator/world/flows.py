"""One history day, generated from its own RNG streams: the orders of the day with everything that
follows them, FC incidents, inbound receipts, removals, fees, planted discrepancies and bad rows."""

from __future__ import annotations

from datetime import timedelta

from ..contract import Marketplace
from .context import Context, DayBuilder
from .formats import ALL_ORDERS_BY_UPDATE, LEDGER, REIMBURSEMENTS, RETURNS, SHIPMENTS, Formatter, fmt_amount
from .orders import add_order, make_order
from .plan import ORDER_PLANTS, PLANTED_SEQ, WAREHOUSE_PLANTS
from .records import BadRow, Day
from .warehouse import inbound_arrivals, incidents, planted_incident, removals, storage_fees


def generate_day(ctx: Context, day: int) -> Day:
    b = DayBuilder(ctx, day)
    r = ctx.rng("orders", day)
    for seq in range(ctx.plan.day_counts[day]):
        order = make_order(ctx, b, r, seq, ctx.pick_market(r))
        add_order(ctx, b, r, order)
    for k, plant in enumerate(ctx.plan.plants_on(day)):
        rp = ctx.rng("plant", plant.kind, plant.index)
        if plant.kind in ORDER_PLANTS:
            order = make_order(ctx, b, rp, PLANTED_SEQ + k, plant.mkt, planted=plant.kind)
            add_order(ctx, b, rp, order, planted=plant.kind)
        elif plant.kind in WAREHOUSE_PLANTS:
            planted_incident(ctx, b, rp, plant)
    incidents(ctx, b, ctx.rng("warehouse", day))
    inbound_arrivals(ctx, b)
    removals(ctx, b)
    storage_fees(ctx, b, ctx.rng("storage", day))
    for report_type, mkt in ctx.plan.bad_days.get(day, []):
        b.day.bad.append(_bad_row(ctx, b, report_type, mkt))
    return b.day


def _bad_row(ctx: Context, b: DayBuilder, report_type: str, mkt: Marketplace) -> BadRow:
    r = ctx.rng("bad-row", report_type, b.day.index)
    f = Formatter(report_type, mkt)
    when = ctx.history.day_start(b.day.index) + timedelta(seconds=r.randint(0, 86_399))
    p = ctx.pick_product(r)
    price = fmt_amount(p.price[mkt.currency], mkt)
    serial = b.serial("bad") + 90_000  # clear of the day's other serial numbers
    order_id = ctx.ids.order_id("999", b.day.index, 99_000 + serial % 1000)
    ident = {
        "sku": p.sku,
        "fnsku": p.fnsku,
        "asin": p.asin,
        "product-name": p.title,
        "currency": mkt.currency,
        "currency-unit": mkt.currency,
    }
    if report_type == REIMBURSEMENTS:
        cells = ident | {
            "approval-date": f.dt(when),
            "reason": "Lost_Warehouse",
            "reimbursement-id": ctx.ids.reimbursement_id(serial),
            "condition": "New",
            "amount-per-unit": "N/A",
            "amount-total": "N/A",
            "quantity-reimbursed-cash": "1",
            "quantity-reimbursed-inventory": "0",
            "quantity-reimbursed-total": "1",
        }
        column, reason = "amount-total", "amount is not a number"
    elif report_type == LEDGER:
        cells = {
            "Date": "31/02/2025",
            "FNSKU": p.fnsku,
            "ASIN": p.asin,
            "MSKU": p.sku,
            "Title": p.title,
            "Event Type": "Adjustments",
            "Reference ID": ctx.ids.adjustment_ref(serial),
            "Quantity": "-1",
            "Fulfillment Center": "XXX1",
            "Disposition": "SELLABLE",
            "Reason": "M",
            "Country": mkt.country_code,
            "Reconciled Quantity": "0",
            "Unreconciled Quantity": "1",
            "Date and Time": "2025-02-31T25:61:00+00:00",
        }
        column, reason = "Date and Time", "unparseable date"
    elif report_type == RETURNS:
        cells = ident | {
            "return-date": "N/A",
            "order-id": order_id,
            "quantity": "1",
            "fulfillment-center-id": "XXX1",
            "detailed-disposition": "SELLABLE",
            "reason": "UNWANTED_ITEM",
            "status": "Unit returned to inventory",
            "license-plate-number": ctx.ids.lpn(serial),
        }
        column, reason = "return-date", "unparseable date"
    elif report_type == ALL_ORDERS_BY_UPDATE:
        cells = ident | {
            "amazon-order-id": order_id,
            "purchase-date": f.dt(when),
            "last-updated-date": f.dt(when),
            "order-status": "Shipped",
            "fulfillment-channel": "Amazon",
            "sales-channel": mkt.name,
            "item-status": "Shipped",
            "quantity": "1",
            "item-price": "N/A",
            "item-tax": "N/A",
            "shipping-price": "",
            "item-promotion-discount": "",
            "ship-country": mkt.country_code,
        }
        column, reason = "item-price", "amount is not a number"
    elif report_type == SHIPMENTS:
        cells = ident | {
            "amazon-order-id": order_id,
            "shipment-id": "DBAD" + str(serial)[-5:],
            "shipment-item-id": "DBADITEM" + str(serial)[-5:],
            "amazon-order-item-id": ctx.ids.order_item_id(serial, 3),
            "purchase-date": f.dt(when),
            "shipment-date": f.dt(when),
            "quantity-shipped": "one",
            "item-price": price,
            "fulfillment-center-id": "XXX1",
            "carrier": "AMZN",
            "tracking-number": "",
        }
        column, reason = "quantity-shipped", "quantity is not an integer"
    else:  # pragma: no cover
        raise ValueError(report_type)
    return BadRow(when, mkt, report_type, cells, column, reason)
