"""What the store cannot hold never reaches it: the row is quarantined, with a reason and its raw
content in a form the store can hold, whichever normaliser read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sellersync.normalize import Quarantine
from sellersync.store.limits import storable_text, unstorable
from sellersync.store.models.canonical import Order, OrderItem, QuarantinedRow
from tests.normalize.helpers import ctx, load_json, quarantines, records, run


def _order(**fields: Any) -> dict[str, Any]:
    order = {
        "AmazonOrderId": "111-0000000-0000001",
        "PurchaseDate": "2025-01-02T03:04:05Z",
        "OrderStatus": "Shipped",
        "OrderItems": [{"SellerSKU": "SKU-1", "QuantityOrdered": 1, "ASIN": "B000000001"}],
    }
    order.update(fields)
    return order


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"SellerOrderId": "a\x00b"}, "column 'merchant_order_id': contains a NUL character at character 2"),
        ({"SalesChannel": "Amazon\udcff"}, "column 'sales_channel': contains an unpaired surrogate U+DCFF"),
        ({"AmazonOrderId": "1" * 41}, "column 'amazon_order_id': 41 characters, at most 40 fit"),
        (
            {"OrderItems": [{"SellerSKU": "S", "QuantityOrdered": 2**40}]},
            "column 'quantity': 1099511627776 is out of range (a 32-bit integer)",
        ),
        (
            {"OrderItems": [{"SellerSKU": "S", "ItemPrice": {"CurrencyCode": "USD", "Amount": "1e20"}}]},
            "column 'item_price': 1E+20 is out of range",
        ),
    ],
)
def test_an_unstorable_value_in_a_json_source_quarantines_its_row(
    fields: dict[str, Any], reason: str
) -> None:
    out = run("orders_api", [_order(**fields), _order(AmazonOrderId="111-0000000-0000002")])
    (held,) = quarantines(out)
    assert held.reason.startswith(reason)
    assert any(r.values.get("amazon_order_id") == "111-0000000-0000002" for r in records(out, Order))
    record = held.to_record(ctx("orders_api"))
    assert unstorable(QuarantinedRow, record.values) is None  # the quarantine itself can be stored
    json.loads(record.values["raw"])  # still JSON, with NUL and surrogates escaped


def test_a_nul_in_a_finances_event_quarantines_that_event_alone() -> None:
    page = load_json("finances_page.json")
    event = page["ShipmentEventList"][0]
    page["ShipmentEventList"] = [dict(event, SellerOrderId="x\x00"), event]
    out = run("financial_events", [page])
    held = [q for q in quarantines(out) if "NUL" in q.reason]
    assert len(held) == 1 and held[0].reason.startswith("ShipmentEventList: column 'seller_order_id'")
    assert any(r.values["amazon_order_id"] == event["AmazonOrderId"] for r in records(out))


def test_inventory_and_inbound_values_are_checked_too() -> None:
    (held,) = run("inventory_summaries", [{"sellerSku": "S" * 81, "totalQuantity": 1}])
    assert isinstance(held, Quarantine) and "at most 80 fit" in held.reason
    shipment = {"ShipmentId": "FBA1", "ShipmentName": "n\x00", "Items": []}
    (held,) = run("inbound_shipments", [shipment])
    assert isinstance(held, Quarantine) and "NUL" in held.reason


def test_storable_text_escapes_only_what_no_store_holds() -> None:
    assert storable_text("Müsli 商品") == "Müsli 商品"
    assert storable_text("a\x00b\udcff") == "a\\x00b\\udcff"
    assert unstorable(OrderItem, {"sku": "Müsli 商品", "quantity": 2**31 - 1}) is None
    assert unstorable(Order, {"purchase_date": datetime(9999, 12, 31, tzinfo=UTC)}) is None
