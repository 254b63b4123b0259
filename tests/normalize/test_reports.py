"""Flat-file report normalisers: good rows, bad rows, nothing dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sellersync.store.models.canonical import (
    CustomerReturn,
    FbaShipment,
    LedgerEvent,
    Order,
    OrderItem,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
)
from tests.normalize.helpers import DE, ctx, quarantines, records, run, tsv


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def reason_of(out: list, needle: str) -> str:
    found = [q.reason for q in quarantines(out) if needle in q.reason]
    assert found, f"no quarantine mentioning {needle!r}: {[q.reason for q in quarantines(out)]}"
    return found[0]


# --- orders ------------------------------------------------------------------------------------------------


def test_orders_report_good_rows() -> None:
    out = run("orders", tsv("orders.tsv"))
    orders = records(out, Order)
    items = records(out, OrderItem)
    assert len(orders) == len(items) == 3  # one Order and one OrderItem per row
    first = orders[0].values
    assert first == {
        "connection_id": 7,
        "marketplace_id": "ATVPDKIKX0DER",
        "amazon_order_id": "111-0000001-0000001",
        "merchant_order_id": "",
        "purchase_date": dt(2025, 3, 14, 8, 12, 45),
        "last_updated_date": dt(2025, 3, 16, 10),
        "order_status": "Shipped",
        "fulfillment_channel": "AFN",
        "sales_channel": "Amazon.com",
        "ship_country": "US",
        "currency": "USD",
        "order_total": None,
    }
    red = items[1].values
    assert red["sku"] == "MUG-RED"
    assert red["item_price"] == Decimal("1012.99")
    assert red["item_promotion_discount"] is None
    assert red["order_item_id"] == ""
    assert items[0].values["item_promotion_discount"] == Decimal("1.50")  # a discount, written -1.50
    cancelled = orders[2].values
    assert cancelled["order_status"] == "Canceled"
    assert cancelled["fulfillment_channel"] == "MFN"
    assert cancelled["currency"] == "USD"  # empty in the row: the marketplace's
    assert cancelled["purchase_date"] == dt(2025, 3, 15, 9)
    assert items[2].values["item_status"] == "Canceled"
    assert items[2].values["item_price"] is None


def test_orders_report_bad_rows_are_quarantined_with_reasons() -> None:
    rows = tsv("orders.tsv")
    out = run("orders", rows)
    bad = quarantines(out)
    assert len(bad) == 3
    assert "purchase-date" in reason_of(out, "2025-02-30")
    assert "item-price" in reason_of(out, "'N/A'")
    assert "cells" in reason_of(out, "malformed")
    # nothing dropped: each row is either two records or one quarantine (the blank line is not a row)
    assert len(rows) == 6
    assert len(records(out)) == 2 * (len(rows) - len(bad))


def test_missing_required_column_quarantines_every_row() -> None:
    rows = [{k: v for k, v in row.items() if k != "purchase-date"} for row in tsv("orders.tsv")[:2]]
    out = run("orders", rows)
    assert [q.reason for q in quarantines(out)] == ["missing column 'purchase-date'"] * 2
    assert records(out) == []


def test_unknown_columns_are_ignored_and_order_does_not_matter() -> None:
    rows = tsv("orders.tsv")[:1]
    reordered = [{"x-new-column": "?", **dict(reversed(list(rows[0].items())))}]
    assert run("orders", reordered) == run("orders", rows)


# --- shipments, returns, reimbursements --------------------------------------------------------------------


def test_fba_shipments() -> None:
    out = run("fba_shipments", tsv("fba_shipments.tsv"))
    good = records(out, FbaShipment)
    assert len(good) == 2
    assert good[0].values == {
        "connection_id": 7,
        "marketplace_id": "ATVPDKIKX0DER",
        "shipment_item_id": "DAbc1",
        "shipment_id": "DxYz1",
        "amazon_order_id": "111-0000001-0000001",
        "amazon_order_item_id": "12345678901234",
        "purchase_date": dt(2025, 3, 14, 15, 12, 45),
        "shipment_date": dt(2025, 3, 16, 1),
        "sku": "MUG-BLUE",
        "quantity_shipped": 2,
        "currency": "USD",
        "item_price": Decimal("25.98"),
        "fulfillment_center_id": "PHX3",
        "carrier": "UPS",
        "tracking_number": "1Z999",
    }
    assert reason_of(out, "shipment-date") == "column 'shipment-date' is empty"


def test_customer_returns() -> None:
    out = run("customer_returns", tsv("customer_returns.tsv"))
    good = records(out, CustomerReturn)
    assert [r.values["license_plate_number"] for r in good] == ["LPNRR000001", ""]
    assert good[0].values["return_date"] == dt(2025, 4, 1, 12)
    assert good[0].values["customer_comments"] == "too blue"
    assert good[1].values["detailed_disposition"] == "CUSTOMER_DAMAGED"
    assert "return-date" in reason_of(out, "yesterday")
    assert len(quarantines(out)) == 1


def test_reimbursements_and_reversals() -> None:
    out = run("reimbursements", tsv("reimbursements.tsv"))
    good = records(out, Reimbursement)
    assert len(good) == 2
    original, reversal = (r.values for r in good)
    assert original["amount_total"] == Decimal("25.98")
    assert original["quantity_reimbursed_total"] == 2
    assert original["currency"] == "USD"
    assert reversal["amount_total"] == Decimal("-12.99")
    assert reversal["amount_per_unit"] == Decimal("-12.99")
    assert reversal["quantity_reimbursed_cash"] == -1
    assert reversal["original_reimbursement_id"] == "5550001"
    assert reversal["original_reimbursement_type"] == "Lost_Warehouse"
    assert "amount-total" in reason_of(out, "N/A")


# --- ledger ------------------------------------------------------------------------------------------------


def test_ledger_events() -> None:
    rows = tsv("ledger.tsv")
    out = run("inventory_ledger", rows)
    good = records(out, LedgerEvent)
    assert len(good) == 4
    assert good[0].values["event_date"] == dt(2025, 3, 1, 14, 30)  # from Date and Time
    assert good[3].values["event_date"] == dt(2025, 3, 6)  # Date and Time empty: Date
    assert good[3].values["reconciled_quantity"] == 0
    assert good[1].values["reason"] == "M"
    assert good[1].values["quantity"] == -1
    assert "Quantity" in reason_of(out, "'one'")
    assert len(good) + len(quarantines(out)) == len(rows)


def test_identical_ledger_rows_get_distinct_stable_keys() -> None:
    rows = tsv("ledger.tsv")
    first = [r.values["row_key"] for r in records(run("inventory_ledger", rows))]
    again = [r.values["row_key"] for r in records(run("inventory_ledger", tsv("ledger.tsv")))]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(len(k) == 40 and int(k, 16) >= 0 for k in first)
    # the two identical adjustment lines differ only by their occurrence number
    assert rows[1] == rows[2]
    assert first[1] != first[2]


def test_ledger_without_date_and_time_column_uses_date() -> None:
    rows = [{k: v for k, v in row.items() if k != "Date and Time"} for row in tsv("ledger.tsv")[:1]]
    (event,) = records(run("inventory_ledger", rows))
    assert event.values["event_date"] == dt(2025, 3, 1)


# --- removals ----------------------------------------------------------------------------------------------


def test_removal_orders() -> None:
    out = run("removal_orders", tsv("removal_orders.tsv"))
    good = records(out, RemovalOrder)
    assert len(good) == 2
    done = good[0].values
    assert (done["order_type"], done["shipped_quantity"], done["removal_fee"]) == (
        "Return",
        3,
        Decimal("1.56"),
    )
    assert good[1].values["last_updated_date"] is None
    assert good[1].values["removal_fee"] is None
    assert reason_of(out, "order-id") == "column 'order-id' is empty"


def test_removal_shipments() -> None:
    out = run("removal_shipments", tsv("removal_shipments.tsv"))
    good = records(out, RemovalShipment)
    assert [r.values["quantity_shipped"] for r in good] == [2, 1]  # header "quantity shipped" with a space
    assert good[0].values["row_key"] != good[1].values["row_key"]
    assert "shipment-date" in reason_of(out, "shipment-date")


# --- settlements -------------------------------------------------------------------------------------------


def test_us_settlement() -> None:
    out = run("settlements", tsv("settlement_us.tsv"))
    (summary,) = records(out, Settlement)
    assert summary.values == {
        "connection_id": 7,
        "marketplace_id": "ATVPDKIKX0DER",
        "settlement_id": "11111111111",
        "settlement_start_date": dt(2025, 3, 1),
        "settlement_end_date": dt(2025, 3, 15),
        "deposit_date": dt(2025, 3, 17),
        "total_amount": Decimal("1234.56"),
        "currency": "USD",
    }
    lines = records(out, SettlementLine)
    assert len(lines) == 4
    assert lines[0].values["amount"] == Decimal("25.98")
    assert lines[0].values["posted_date"] == dt(2025, 3, 15, 1)
    assert lines[0].values["currency"] == "USD"  # from the summary row
    assert lines[0].values["quantity_purchased"] == 2
    assert lines[1].values == {**lines[2].values, "row_key": lines[1].values["row_key"]}
    assert lines[1].values["row_key"] != lines[2].values["row_key"]
    assert lines[3].values["amount_description"] == "Subscription Fee"
    assert "amount" in reason_of(out, "N/A")


def test_de_settlement_windows_1252_decimal_commas_eu_dates() -> None:
    rows = tsv("settlement_de.tsv", charset="windows-1252")
    out = run("settlements", rows, ctx("settlements", DE, decimal_comma=True))
    (summary,) = records(out, Settlement)
    assert summary.values["total_amount"] == Decimal("1234.56")
    assert summary.values["settlement_end_date"] == dt(2025, 3, 15)
    assert summary.values["currency"] == "EUR"
    lines = records(out, SettlementLine)
    assert [line.values["amount"] for line in lines] == [
        Decimal("19.99"),
        Decimal("-3.00"),
        Decimal("-1019.99"),
    ]
    assert lines[0].values["sku"] == "TASSE-GRÜN"
    assert lines[0].values["posted_date"] == dt(2025, 3, 14, 8, 12, 45)
    assert lines[2].values["posted_date"] == dt(2025, 3, 14)  # no posted-date-time: posted-date
    assert all(line.values["marketplace_id"] == DE for line in lines)
    assert "posted-date-time" in reason_of(out, "31.02.2025")
    assert len(records(out)) + len(quarantines(out)) == len(rows)


@pytest.mark.parametrize(
    ("name", "stream", "charset"),
    [
        ("orders.tsv", "orders", "utf-8"),
        ("fba_shipments.tsv", "fba_shipments", "utf-8"),
        ("customer_returns.tsv", "customer_returns", "utf-8"),
        ("reimbursements.tsv", "reimbursements", "utf-8"),
        ("ledger.tsv", "inventory_ledger", "utf-8"),
        ("removal_orders.tsv", "removal_orders", "utf-8"),
        ("removal_shipments.tsv", "removal_shipments", "utf-8"),
        ("settlement_us.tsv", "settlements", "utf-8"),
        ("settlement_de.tsv", "settlements", "windows-1252"),
    ],
)
def test_report_normalisation_is_deterministic_and_loses_nothing(
    name: str, stream: str, charset: str
) -> None:
    rows = tsv(name, charset)
    context = ctx(
        stream, DE if "de" in name else "ATVPDKIKX0DER", decimal_comma=True if "de" in name else None
    )
    first = run(stream, rows, context)
    assert first == run(stream, tsv(name, charset), context)
    per_row = 2 if stream == "orders" else 1
    assert len(records(first)) == per_row * (len(rows) - len(quarantines(first)))
    assert quarantines(first), "each case file carries at least one bad row"
    keys = [q.row_key for q in quarantines(first)]
    assert len(set(keys)) == len(keys)
