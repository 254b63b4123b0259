"""Flat-file rows of every report type, as Amazon writes them, from the world's records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from .finance import Line
from .formats import Formatter
from .ids import IdFactory
from .plan import RemovalOrder, removal_fee
from .records import BadRow, LedgerRow, Order, ReimbRow, ReturnRow

REPORT_ORDER_STATUS = {"Shipped": "Shipped", "Pending": "Pending", "Canceled": "Cancelled"}
REPORT_ITEM_STATUS = {"Shipped": "Shipped", "Pending": "Unshipped", "Canceled": "Cancelled"}
Row = list[str]


def order_rows(f: Formatter, order: Order) -> Iterator[Row]:
    canceled = order.status == "Canceled"
    for it in order.items:
        money = (
            ["", "", "", ""]
            if canceled
            else [f.amount(it.item_price), f.amount(it.item_tax), f.amount(it.shipping), f.amount(-it.promo)]
        )
        yield [
            order.order_id,
            "",
            f.dt(order.purchase),
            f.dt(order.last_updated),
            REPORT_ORDER_STATUS[order.status],
            "Amazon" if order.channel == "AFN" else "Merchant",
            order.mkt.name,
            it.product.sku,
            it.product.asin,
            REPORT_ITEM_STATUS[order.status],
            "0" if canceled else str(it.quantity),
            order.mkt.currency,
            *money,
            order.mkt.country_code,
        ]


def shipment_rows(f: Formatter, order: Order) -> Iterator[Row]:
    if order.channel != "AFN" or order.ship_time is None:
        return
    for it in order.items:
        yield [
            order.order_id,
            order.shipment_id,
            it.shipment_item_id,
            it.order_item_id,
            f.dt(order.purchase),
            f.dt(order.ship_time),
            it.product.sku,
            str(it.quantity),
            order.mkt.currency,
            f.amount(it.item_price),
            order.fc,
            order.carrier,
            order.tracking,
        ]


def return_row(f: Formatter, r: ReturnRow) -> Row:
    return [
        f.dt(r.time),
        r.order_id,
        r.product.sku,
        r.product.asin,
        r.product.fnsku,
        r.product.title,
        str(r.quantity),
        r.fc,
        r.disposition,
        r.reason,
        r.status,
        r.lpn,
        r.comments,
    ]


def reimbursement_row(f: Formatter, r: ReimbRow) -> Row:
    return [
        f.dt(r.time),
        r.reimbursement_id,
        r.case_id,
        r.order_id,
        r.reason,
        r.product.sku,
        r.product.fnsku,
        r.product.asin,
        r.product.title,
        r.condition,
        r.mkt.currency,
        f.amount(r.per_unit),
        f.amount(r.total),
        str(r.qty_cash),
        str(r.qty_inventory),
        str(r.qty_cash + r.qty_inventory),
        r.original_id,
        r.original_type,
    ]


def ledger_row(f: Formatter, r: LedgerRow) -> Row:
    return [
        f.date(r.time),
        r.product.fnsku,
        r.product.asin,
        r.product.sku,
        r.product.title,
        r.event_type,
        r.reference_id,
        str(r.quantity),
        r.fc,
        r.disposition,
        r.reason,
        r.mkt.country_code,
        str(r.reconciled),
        str(r.unreconciled),
        f.dt(r.time),
    ]


def bad_row(header: tuple[str, ...], bad: BadRow) -> Row:
    return [bad.cells.get(col, "") for col in header]


# --- removals (materialised at construction; state as of the anchor) -------------------------------


def removal_state(order: RemovalOrder, anchor: datetime) -> tuple[str, datetime]:
    """(order-status, last-updated-date) as of the anchor."""
    cancelled = all(line.cancelled == line.requested for line in order.lines)
    if cancelled and order.requested + timedelta(days=1) < anchor:
        return "Cancelled", order.requested + timedelta(days=1)
    if not cancelled and order.done < anchor:
        return "Completed", order.done
    return "Pending", order.requested


def removal_order_rows(f: Formatter, order: RemovalOrder, anchor: datetime) -> Iterator[Row]:
    status, updated = removal_state(order, anchor)
    for line in order.lines:
        done = line.requested - line.cancelled if status == "Completed" else 0
        cancelled = line.cancelled if status != "Pending" else 0
        in_process = line.requested - cancelled - done
        fee = removal_fee(line.product.tier) * done
        ret = order.order_type == "Return"
        yield [
            f.dt(order.requested),
            order.order_id,
            order.order_type,
            status,
            f.dt(updated),
            line.product.sku,
            line.product.fnsku,
            "Sellable",
            str(line.requested),
            str(cancelled),
            str(0 if ret else done),
            str(done if ret else 0),
            str(in_process),
            f.amount(fee) if status == "Completed" else "",
            order.mkt.currency,
        ]


def removal_shipment_rows(
    f: Formatter, order: RemovalOrder, anchor: datetime, ids: IdFactory
) -> Iterator[Row]:
    status, _ = removal_state(order, anchor)
    if order.order_type != "Return" or status != "Completed":
        return
    for i, line in enumerate(order.lines):
        qty = line.requested - line.cancelled - line.lost
        if qty <= 0:
            continue
        yield [
            f.dt(order.requested),
            order.order_id,
            f.dt(order.done),
            line.product.sku,
            line.product.fnsku,
            "Sellable",
            str(qty),
            "UPS",
            ids.tracking("UPS", 10**9 + order.serial * 4 + i),
        ]


# --- settlements --------------------------------------------------------------------------------------


def settlement_summary(
    f: Formatter,
    settlement_id: str,
    start: datetime,
    end: datetime,
    deposit: datetime,
    total: Decimal,
    currency: str,
) -> Row:
    return [settlement_id, f.dt(start), f.dt(end), f.dt(deposit), f.amount(total), currency] + [""] * 18


def settlement_line(
    f: Formatter, settlement_id: str, marketplace_name: str, line: Line, posted: datetime
) -> Row:
    return [
        settlement_id,
        "",
        "",
        "",
        "",
        "",
        line.transaction_type,
        line.order_id,
        "",
        line.adjustment_id,
        line.shipment_id,
        marketplace_name,
        line.amount_type,
        line.amount_description,
        f.amount(line.amount),
        line.fulfillment_id,
        f.date(posted),
        f.dt(posted),
        line.order_item_code,
        "",
        "",
        line.sku,
        line.quantity,
        line.promotion_id,
    ]
