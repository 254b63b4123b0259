"""JSON normalisers: Orders API, Finances, FBA Inventory, FBA Inbound (own cases and the models' examples)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from sellersync.normalize import Context
from sellersync.store.models.canonical import (
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    Order,
    OrderItem,
)
from tests.normalize.helpers import MODELS, ctx, load_json, quarantines, records, run, tsv


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sandbox(model: str, path: str, method: str = "get") -> list[dict[str, Any]]:
    spec = json.loads((MODELS / model).read_text())
    examples = spec["paths"][path][method]["responses"]["200"]["x-amzn-api-sandbox"]["static"]
    return [example["response"] for example in examples]


# --- Orders API ----------------------------------------------------------------------------------------


def test_orders_api_records() -> None:
    out = run("orders_api", load_json("orders_api.json"))
    orders = records(out, Order)
    items = records(out, OrderItem)
    assert [o.values["amazon_order_id"] for o in orders] == [
        "111-0000001-0000001",
        "111-0000002-0000002",
        "111-0000004-0000004",
    ]
    assert [(i.values["sku"], i.values["item_status"]) for i in items] == [
        ("MUG-BLUE", "Shipped"),
        ("MUG-RED", "Shipped"),
        ("MUG-GREEN", "Canceled"),
    ]
    bad = quarantines(out)
    assert len(bad) == 2
    assert bad[0].reason == "field 'createdTime' is empty"
    assert "proceeds.ITEM" in bad[1].reason and "twelve" in bad[1].reason
    assert isinstance(bad[1].raw, dict) and bad[1].raw["orderId"] == "111-0000004-0000004"


def test_orders_report_and_api_agree() -> None:
    report = run("orders", tsv("orders.tsv"))
    api = run("orders_api", load_json("orders_api.json"))

    def by_key(out: list, model: type) -> dict:
        return {r.natural_key: r.values for r in records(out, model)}

    report_orders, api_orders = by_key(report, Order), by_key(api, Order)
    report_items, api_items = by_key(report, OrderItem), by_key(api, OrderItem)
    shared_orders = report_orders.keys() & api_orders.keys()
    shared_items = report_items.keys() & api_items.keys()
    assert len(shared_orders) == 2 and len(shared_items) == 3
    for key in shared_orders:
        assert report_orders[key] == api_orders[key]
    for key in shared_items:
        assert report_items[key] == api_items[key]


def test_orders_api_sandbox_examples() -> None:
    """Every Orders v2026-01-01 example of the model (searchOrders pages and getOrder answers)."""
    pages = sandbox("orders_2026-01-01.json", "/orders/2026-01-01/orders")
    singles = sandbox("orders_2026-01-01.json", "/orders/2026-01-01/orders/{orderId}")
    rows = [o for page in pages for o in page["orders"]] + [s["order"] for s in singles]
    out = run("orders_api", rows)
    assert not quarantines(out)
    orders = {o.values["amazon_order_id"]: o.values for o in records(out, Order)}
    items = {(i.values["amazon_order_id"], i.values["sku"]): i.values for i in records(out, OrderItem)}
    assert len(orders) == 6 and len(items) == 7
    jp = orders["250-1234567-8901234"]
    assert (jp["marketplace_id"], jp["currency"], jp["ship_country"]) == ("A1VC38T7YXB528", "JPY", "JP")
    assert (jp["order_status"], jp["fulfillment_channel"], jp["sales_channel"]) == (
        "Shipped",
        "AFN",
        "Amazon.co.jp",
    )
    assert jp["merchant_order_id"] == "JP-ORDER-2024-001"
    assert jp["purchase_date"] == dt(2024, 12, 25, 2, 30)
    fire = items[("250-1234567-8901234", "FIRE-TV-4K-MAX-JP")]
    assert (fire["quantity"], fire["item_price"], fire["item_status"]) == (2, Decimal("13960"), "Shipped")
    assert fire["item_tax"] is None and fire["item_promotion_discount"] is None
    br = orders["171-2345678-9012345"]
    assert (br["order_status"], br["fulfillment_channel"]) == ("Unshipped", "MFN")
    assert items[("171-2345678-9012345", "DELL-I15-BR-001")]["item_status"] == "Unshipped"
    pickup = items[("114-9876543-1234567", "ECHO-POP-US-BLK")]
    assert (pickup["item_price"], pickup["item_tax"], pickup["currency"]) == (
        Decimal("39.99"),
        Decimal("10.00"),
        "USD",
    )
    assert orders["114-9876543-1234567"]["merchant_order_id"] == ""


def test_orders_api_detailed_tax_and_discount_take_the_item_part() -> None:
    money = lambda amount: {"amount": amount, "currencyCode": "EUR"}  # noqa: E731
    order = {
        "orderId": "302-0000001-0000001",
        "createdTime": "2025-03-14T08:12:45Z",
        "lastUpdatedTime": "2025-03-14T09:12:45Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9"},
        "fulfillment": {"fulfillmentStatus": "PARTIALLY_SHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [
            {
                "orderItemId": "1",
                "quantityOrdered": 3,
                "product": {"sellerSku": "TEE-M", "asin": "B0TEE"},
                "proceeds": {
                    "breakdowns": [
                        {"type": "ITEM", "subtotal": money("30.00")},
                        {
                            "type": "TAX",
                            "subtotal": money("6.65"),
                            "detailedBreakdowns": [
                                {"subtype": "ITEM", "value": money("5.70")},
                                {"subtype": "SHIPPING", "value": money("0.95")},
                            ],
                        },
                        {
                            "type": "DISCOUNT",
                            "subtotal": money("-7.00"),
                            "detailedBreakdowns": [
                                {"subtype": "ITEM", "value": money("-3.00")},
                                {"subtype": "SHIPPING", "value": money("-4.00")},
                            ],
                        },
                    ]
                },
                "fulfillment": {"quantityFulfilled": 1, "quantityUnfulfilled": 2},
            },
            {"orderItemId": "2", "quantityOrdered": 1, "product": {"asin": "B0NOSKU"}},
            {"orderItemId": "3", "quantityOrdered": 1, "product": {"sellerSku": "TEE-M"}, "proceeds": []},
        ],
    }
    out = run("orders_api", [order, {**order, "orderId": "302-0000002-0000002", "orderItems": None}])
    (stored,) = records(out, Order)
    assert (stored.values["order_status"], stored.values["fulfillment_channel"]) == (
        "PartiallyShipped",
        "MFN",
    )
    assert stored.values["currency"] == "EUR" and stored.values["ship_country"] == ""
    (item,) = records(out, OrderItem)
    assert (item.values["item_tax"], item.values["item_promotion_discount"]) == (
        Decimal("5.70"),
        Decimal("3.00"),
    )
    assert (item.values["item_status"], item.values["line"], item.values["shipping_price"]) == (
        "Unshipped",
        0,
        None,
    )
    reasons = [q.reason for q in quarantines(out)]
    assert reasons == [
        "missing field 'product.sellerSku'",
        "field 'proceeds': expected an object, got []",
        "field 'orderItems': expected a list of OrderItem objects",
    ]


# --- Finances ------------------------------------------------------------------------------------------


def _finance_out(context: Context | None = None) -> list:
    return run("financial_events", [load_json("finances_page.json")], context)


def test_financial_event_components() -> None:
    out = _finance_out()
    events = records(out, FinancialEvent)
    by_list = Counter(e.values["event_list"] for e in events)
    assert by_list == {
        "ShipmentEventList": 7,
        "RefundEventList": 2,
        "ServiceFeeEventList": 1,
        "AdjustmentEventList": 2,
        "FBALiquidationEventList": 2,
        "RemovalShipmentEventList": 4,
        "GuaranteeClaimEventList": 1,
    }
    shipment = [e.values for e in events if e.values["event_list"] == "ShipmentEventList"]
    assert [(s["component"], s["charge_type"], s["amount"]) for s in shipment] == [
        ("charge", "Principal", Decimal("25.98")),
        ("charge", "Tax", Decimal("2.08")),
        ("fee", "FBAPerUnitFulfillmentFee", Decimal("-6.44")),
        ("fee", "Commission", Decimal("-3.9")),
        ("fee", "FixedClosingFee", Decimal("0.0")),  # zero amounts are facts
        ("promotion", "PromotionMetaDataDefinitionValue", Decimal("-1.5")),
        ("tax", "MarketplaceFacilitatorTax-Principal", Decimal("-2.08")),
    ]
    principal = shipment[0]
    assert principal["order_item_id"] == "12345678901234"
    assert principal["sku"] == "MUG-BLUE"
    assert principal["quantity"] == 2
    assert principal["event_type"] == "shipment"
    assert principal["posted_date"] == dt(2025, 3, 15, 1)
    assert principal["marketplace_id"] == "ATVPDKIKX0DER"
    assert principal["currency"] == "USD"
    refund = [e.values for e in events if e.values["event_type"] == "refund"]
    assert refund[0]["order_item_id"] == "99999999"
    assert refund[0]["amount"] == Decimal("-12.99")
    adjustments = [e.values for e in events if e.values["event_type"] == "adjustment"]
    assert [(a["adjustment_type"], a["amount"], a["quantity"], a["fnsku"]) for a in adjustments] == [
        ("WAREHOUSE_LOST", Decimal("25.98"), 2, "X000000001"),
        ("REVERSAL_REIMBURSEMENT", Decimal("-12.99"), 0, ""),
    ]
    guarantee = [e.values for e in events if e.values["event_type"] == "guarantee_claim"]
    assert guarantee[0]["marketplace_id"] == "A2EUQ1WTGCTBG2" and guarantee[0]["currency"] == "CAD"
    removal = [e.values for e in events if e.values["event_type"] == "removal_shipment"]
    assert removal[0]["amazon_order_id"] == "RMV-0001"
    assert removal[0]["adjustment_type"] == "WHOLESALE_LIQUIDATION"
    liquidation = [e.values for e in events if e.values["event_type"] == "liquidation"]
    assert [li["amount"] for li in liquidation] == [Decimal("4.5"), Decimal("-0.68")]
    assert all(isinstance(e.values["amount"], Decimal) for e in events)


def test_financial_event_bad_and_unsupported_events_are_quarantined() -> None:
    bad = quarantines(_finance_out())
    reasons = sorted(q.reason for q in bad)
    assert len(bad) == 3
    assert any("PostedDate" in r and "not a date" in r for r in reasons)
    assert any("PerUnitAmount" in r and "N/A" in r for r in reasons)
    assert any("unsupported event list 'ProductAdsPaymentEventList'" in r for r in reasons)


def test_financial_event_keys_are_stable_and_unique() -> None:
    first = [e.values["row_key"] for e in records(_finance_out())]
    assert first == [e.values["row_key"] for e in records(_finance_out())]
    assert len(set(first)) == len(first)
    page = load_json("finances_page.json")
    page["ShipmentEventList"] = page["ShipmentEventList"][:1] * 2  # the same event twice
    twice = records(run("financial_events", [page]), FinancialEvent)
    keys = [e.values["row_key"] for e in twice if e.values["event_list"] == "ShipmentEventList"]
    assert len(keys) == 14 and len(set(keys)) == 14


def test_service_fee_without_posted_date_takes_its_posting_month() -> None:
    page = {
        "ServiceFeeEventList": [
            {"FeeList": [{"FeeType": "Subscription", "FeeAmount": {"CurrencyAmount": 1}}]}
        ]
    }
    (q,) = run("financial_events", [page])
    assert q.reason == "ServiceFeeEventList: missing field 'PostedDate'"  # type: ignore[union-attr]
    month = dt(2025, 6, 1)  # the job passes the start of the posting month the window lies in
    (event,) = run("financial_events", [page], ctx("financial_events", posted_fallback=month))
    assert event.values["posted_date"] == month  # type: ignore[union-attr]
    assert event.values["currency"] == "USD"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    [
        "/finances/v0/financialEvents",
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
        "/finances/v0/orders/{orderId}/financialEvents",
    ],
)
def test_finances_sandbox_examples(path: str) -> None:
    (response,) = sandbox("financesV0.json", path)
    events = response["payload"]["FinancialEvents"]
    # the model's ServiceFeeEvent has no PostedDate: its posting month stands in
    out = run("financial_events", [events], ctx("financial_events", posted_fallback=dt(2020, 2, 6)))
    handled = {"ChargebackEventList", "ServiceFeeEventList"}
    expected_events = sum(len(v) for k, v in events.items() if k in handled)
    unsupported = sum(len(v) for k, v in events.items() if k not in handled)
    assert len(quarantines(out)) == unsupported
    assert all("unsupported event list" in q.reason for q in quarantines(out))
    got = records(out, FinancialEvent)
    assert len({(e.values["event_list"], e.values["amazon_order_id"]) for e in got}) == expected_events
    assert all(e.values["amount"] == Decimal("25.37") for e in got)
    assert all(
        e.values["marketplace_id"] == "ATVPDKIKX0DER" for e in got
    )  # MarketplaceName "1": the context's


def test_chargeback_example_components() -> None:
    (response,) = sandbox(
        "financesV0.json", "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents"
    )
    chargeback = {"ChargebackEventList": response["payload"]["FinancialEvents"]["ChargebackEventList"]}
    events = records(run("financial_events", [chargeback]))
    # 7 order-level components, and 11 per item (2 charges, 2 fees, 2 promotions, 1 tax, 2 points) × 2 items
    assert len(events) == 7 + 2 * 9
    assert {e.values["component"] for e in events} == {"charge", "fee", "promotion", "tax"}


# --- FBA Inventory -------------------------------------------------------------------------------------


def test_inventory_summaries() -> None:
    out = run("inventory_summaries", load_json("inventory.json"))
    blue, red = records(out, InventorySummary)
    assert blue.values == {
        "connection_id": 7,
        "marketplace_id": "ATVPDKIKX0DER",
        "sku": "MUG-BLUE",
        "fnsku": "X000000001",
        "asin": "B000000001",
        "product_name": "Blue Mug",
        "condition": "NewItem",
        "total_quantity": 30,
        "fulfillable_quantity": 20,
        "inbound_working_quantity": 1,
        "inbound_shipped_quantity": 2,
        "inbound_receiving_quantity": 3,
        "reserved_quantity": 2,
        "unfulfillable_quantity": 1,
        "researching_quantity": 1,
        "last_updated_time": dt(2025, 6, 1),
    }
    assert red.values["last_updated_time"] is None
    assert red.values["fulfillable_quantity"] == 0
    (bad,) = quarantines(out)
    assert bad.reason == "missing field 'sellerSku'"


# --- FBA Inbound ---------------------------------------------------------------------------------------


def test_inbound_shipments_and_items() -> None:
    out = run("inbound_shipments", load_json("inbound.json"))
    (shipment,) = records(out, InboundShipment)
    assert shipment.values == {
        "connection_id": 7,
        "marketplace_id": "ATVPDKIKX0DER",
        "shipment_id": "FBA15DJ9S3J5",
        "shipment_name": "FBA (3/1/25) - 1",
        "destination_fulfillment_center_id": "PHX3",
        "shipment_status": "CLOSED",
        "created_date": None,
        "last_updated_date": None,
    }
    (item,) = records(out, InboundShipmentItem)
    assert (item.values["sku"], item.values["quantity_shipped"], item.values["quantity_received"]) == (
        "MUG-BLUE",
        10,
        9,
    )
    reasons = sorted(q.reason for q in quarantines(out))
    assert reasons == ["missing field 'SellerSKU'", "missing field 'ShipmentId'"]


def test_inbound_sandbox_examples() -> None:
    (shipments,) = sandbox("fulfillmentInboundV0.json", "/fba/inbound/v0/shipments")
    (items,) = sandbox("fulfillmentInboundV0.json", "/fba/inbound/v0/shipments/{shipmentId}/items")
    rows = [{**s, "Items": items["payload"]["ItemData"]} for s in shipments["payload"]["ShipmentData"]]
    out = run("inbound_shipments", rows)
    assert not quarantines(out)
    (item,) = records(out, InboundShipmentItem)
    assert item.values["shipment_id"] == "FBA15DF2763D"  # the item's own ShipmentId
    assert item.values["fnsku"] == "X0014BIZ8T"
