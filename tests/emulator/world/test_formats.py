"""Report headers exactly as FACTS §3 lists them; date and number formats per marketplace."""

from __future__ import annotations

import re

from sellersync.emulator.world import REPORT_TYPES
from sellersync.emulator.world.catalog import DE, UK
from sellersync.emulator.world.formats import (
    ALL_ORDERS_BY_UPDATE,
    HEADERS,
    LEDGER,
    REIMBURSEMENTS,
    REMOVAL_SHIPMENTS,
    SETTLEMENT,
    SHIPMENTS,
)

from .conftest import world
from .helpers import table

FACTS = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL": "amazon-order-id, merchant-order-id, purchase-date, last-updated-date, order-status, fulfillment-channel, sales-channel, sku, asin, item-status, quantity, currency, item-price, item-tax, shipping-price, item-promotion-discount, ship-country",  # noqa: E501
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": "amazon-order-id, shipment-id, shipment-item-id, amazon-order-item-id, purchase-date, shipment-date, sku, quantity-shipped, currency, item-price, fulfillment-center-id, carrier, tracking-number",  # noqa: E501
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": "return-date, order-id, sku, asin, fnsku, product-name, quantity, fulfillment-center-id, detailed-disposition, reason, status, license-plate-number, customer-comments",  # noqa: E501
    "GET_FBA_REIMBURSEMENTS_DATA": "approval-date, reimbursement-id, case-id, amazon-order-id, reason, sku, fnsku, asin, product-name, condition, currency-unit, amount-per-unit, amount-total, quantity-reimbursed-cash, quantity-reimbursed-inventory, quantity-reimbursed-total, original-reimbursement-id, original-reimbursement-type",  # noqa: E501
    "GET_LEDGER_DETAIL_VIEW_DATA": "Date, FNSKU, ASIN, MSKU, Title, Event Type, Reference ID, Quantity, Fulfillment Center, Disposition, Reason, Country, Reconciled Quantity, Unreconciled Quantity, Date and Time",  # noqa: E501
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2": "settlement-id, settlement-start-date, settlement-end-date, deposit-date, total-amount, currency, transaction-type, order-id, merchant-order-id, adjustment-id, shipment-id, marketplace-name, amount-type, amount-description, amount, fulfillment-id, posted-date, posted-date-time, order-item-code, merchant-order-item-id, merchant-adjustment-item-id, sku, quantity-purchased, promotion-id",  # noqa: E501
    "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA": "request-date, order-id, order-type, order-status, last-updated-date, sku, fnsku, disposition, requested-quantity, cancelled-quantity, disposed-quantity, shipped-quantity, in-process-quantity, removal-fee, currency",  # noqa: E501
    "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA": "removal-date, order-id, shipment-date, sku, fnsku, disposition, quantity shipped, carrier, tracking-number",  # noqa: E501
}
FACTS["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"] = FACTS[ALL_ORDERS_BY_UPDATE]

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
UTC_STYLE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$")
EU = re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2} UTC$")
DOT_AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
COMMA_AMOUNT = re.compile(r"^-?\d+,\d{2}$")


def test_headers_match_facts_exactly() -> None:
    assert set(HEADERS) == set(FACTS)
    for rt, text in FACTS.items():
        assert list(HEADERS[rt]) == text.split(", "), rt
    w = world()
    for rt in REPORT_TYPES:
        assert list(w.report_table(rt, ["ATVPDKIKX0DER"], w.history.start, w.anchor).header) == FACTS[
            rt
        ].split(", ")
    assert "quantity shipped" in HEADERS[REMOVAL_SHIPMENTS]


def test_us_reports_use_iso_dates_and_decimal_points() -> None:
    w = world()
    rows = table(w, SHIPMENTS, ["ATVPDKIKX0DER"])
    assert rows and all(ISO.match(r["shipment-date"]) and DOT_AMOUNT.match(r["item-price"]) for r in rows)
    ledger = table(w, LEDGER, ["ATVPDKIKX0DER"])
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}$", r["Date"]) and ISO.match(r["Date and Time"]) for r in ledger)
    t = w.report_table(SHIPMENTS, ["ATVPDKIKX0DER"], w.history.start, w.anchor)
    assert t.charset == "UTF-8"


def test_settlements_use_utc_style_outside_de() -> None:
    w = world(region="EU")
    meta = next(m for m in w.settlements() if m.marketplace_id == UK.marketplace_id)
    t = w.settlement_table(meta.settlement_id)
    rows = [dict(zip(t.header, r, strict=True)) for r in t.rows]
    assert UTC_STYLE.match(rows[0]["settlement-start-date"])
    assert all(UTC_STYLE.match(r["posted-date-time"]) for r in rows[1:])
    assert t.header == HEADERS[SETTLEMENT]


def test_de_files_use_eu_dates_decimal_commas_and_windows_1252() -> None:
    w = world(scenario="messy", region="EU")
    t = w.report_table(REIMBURSEMENTS, [DE.marketplace_id], w.history.start, w.anchor)
    assert t.charset == "windows-1252"
    rows = [dict(zip(t.header, r, strict=True)) for r in t.rows]
    good_rows = [r for r in rows if r["amount-total"] != "N/A"]
    assert good_rows
    assert all(EU.match(r["approval-date"]) and COMMA_AMOUNT.match(r["amount-total"]) for r in good_rows)
    orders = table(w, ALL_ORDERS_BY_UPDATE, [DE.marketplace_id])
    assert all(EU.match(r["purchase-date"]) for r in orders)
    ledger = table(w, LEDGER, [DE.marketplace_id])
    assert any(re.match(r"^\d{2}\.\d{2}\.\d{4}$", r["Date"]) for r in ledger)
    meta = next(m for m in w.settlements() if m.marketplace_id == DE.marketplace_id)
    st = w.settlement_table(meta.settlement_id)
    srows = list(st.rows)
    assert EU.match(srows[0][1]) and COMMA_AMOUNT.match(srows[0][4])
    # the charset matters: titles carry characters outside ASCII, and all of them encode in cp1252
    text = "\n".join("\t".join(r) for r in srows) + "\n".join(r["Title"] for r in ledger)
    assert any(ord(c) > 127 for c in text)
    text.encode("windows-1252")


def test_uk_files_keep_decimal_points() -> None:
    w = world(region="EU")
    rows = table(w, SHIPMENTS, [UK.marketplace_id])
    assert rows and all(DOT_AMOUNT.match(r["item-price"]) and ISO.match(r["shipment-date"]) for r in rows)


def test_canceled_order_rows_have_zero_quantity_and_no_money() -> None:
    w = world(scenario="messy")
    cancelled = [r for r in table(w, ALL_ORDERS_BY_UPDATE) if r["order-status"] == "Cancelled"]
    assert cancelled
    assert all(r["quantity"] == "0" and r["item-price"] == "" for r in cancelled)
