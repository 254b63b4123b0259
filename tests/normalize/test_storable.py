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


def _item(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderItemId": "1",
        "quantityOrdered": 1,
        "product": {"asin": "B000000001", "sellerSku": "SKU-1"},
    }
    item.update(fields)
    return item


def _order(**fields: Any) -> dict[str, Any]:
    """An Orders v2026-01-01 ``Order`` as ``searchOrders`` answers it (with its items)."""
    order: dict[str, Any] = {
        "orderId": "111-0000000-0000001",
        "createdTime": "2025-01-02T03:04:05Z",
        "lastUpdatedTime": "2025-01-02T03:04:05Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
        "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "AMAZON"},
        "orderItems": [_item()],
    }
    order.update(fields)
    return order


def _usd(amount: str) -> dict[str, Any]:
    return {"breakdowns": [{"type": "ITEM", "subtotal": {"amount": amount, "currencyCode": "USD"}}]}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"orderAliases": [{"aliasType": "SELLER_ORDER_ID", "aliasId": "a\x00b"}]},
            "column 'merchant_order_id': contains a NUL character at character 2",
        ),
        (
            {
                "salesChannel": {
                    "channelName": "AMAZON",
                    "marketplaceId": "ATVPDKIKX0DER",
                    "marketplaceName": "Amazon\udcff",
                }
            },
            "column 'sales_channel': contains an unpaired surrogate U+DCFF",
        ),
        ({"orderId": "1" * 41}, "column 'amazon_order_id': 41 characters, at most 40 fit"),
        (
            {"orderItems": [_item(quantityOrdered=2**40)]},
            "column 'quantity': 1099511627776 is out of range (a 32-bit integer)",
        ),
        ({"orderItems": [_item(proceeds=_usd("1e20"))]}, "column 'item_price': 1E+20 is out of range"),
    ],
)
def test_an_unstorable_value_in_a_json_source_quarantines_its_row(
    fields: dict[str, Any], reason: str
) -> None:
    out = run("orders_api", [_order(**fields), _order(orderId="111-0000000-0000002")])
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
