"""Orders v2026-01-01 (searchOrders, getOrder) over real HTTP; every answer is validated against
``orders_2026-01-01.json`` (see ``CheckedApi``). On the seeded world they tell the same story as
Orders v0, which stays served for older clients and counts in the emulator's stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.emulator.conftest import CheckedApi
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import RunningEmulator, run_emulator

US = "ATVPDKIKX0DER"
SEARCH = "/orders/2026-01-01/orders"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_search_orders_pages_with_the_token_and_the_same_parameters(fake_api: CheckedApi) -> None:
    params = {"marketplaceIds": US, "createdAfter": "2000-01-01T00:00:00Z", "includedData": "FULFILLMENT"}
    body = fake_api.get("searchOrders", SEARCH, **params)
    assert "payload" not in body
    seen = [o["orderId"] for o in body["orders"]]
    pages = 1
    while "pagination" in body:
        token = body["pagination"]["nextToken"]
        body = fake_api.get("searchOrders", SEARCH, paginationToken=token, **params)
        seen += [o["orderId"] for o in body["orders"]]
        pages += 1
    assert pages == 3  # 250 orders, 100 a page; the last page has no pagination
    assert len(seen) == len(set(seen)) == 250
    assert "createdBefore" in body and "lastUpdatedBefore" not in body
    # items are always part of the order, no per-order call
    assert all(o["orderItems"] for o in body["orders"])
    assert fake_api.emu.stats()["operations"].get("getOrderItems") is None


def test_the_token_needs_the_other_parameters_unchanged(fake_api: CheckedApi) -> None:
    params = {"marketplaceIds": US, "createdAfter": "2000-01-01T00:00:00Z"}
    first = fake_api.get("searchOrders", SEARCH, maxResultsPerPage=10, **params)
    token = first["pagination"]["nextToken"]
    # maxResultsPerPage and includedData may change between pages
    second = fake_api.get(
        "searchOrders", SEARCH, paginationToken=token, maxResultsPerPage=5, includedData="PROCEEDS", **params
    )
    assert [o["orderId"] for o in second["orders"]][0] not in {o["orderId"] for o in first["orders"]}
    assert len(second["orders"]) == 5 and "proceeds" in second["orders"][0]
    for changed in (
        {"marketplaceIds": US, "createdAfter": "2001-01-01T00:00:00Z"},
        {"createdAfter": "2000-01-01T00:00:00Z"},
        {**params, "fulfilledBy": "AMAZON"},
    ):
        body = fake_api.get("searchOrders", SEARCH, expect=400, paginationToken=token, **changed)
        assert body["errors"][0]["code"] == "InvalidInput", changed
    forged = fake_api.get("searchOrders", SEARCH, expect=400, paginationToken="forged.token", **params)
    assert forged["errors"][0]["code"] == "InvalidInput"


def test_search_orders_rejects_bad_input(fake_api: CheckedApi) -> None:
    now = datetime.now(UTC)
    after = "2020-01-01T00:00:00Z"
    bad: list[dict[str, Any]] = [
        {"marketplaceIds": US},  # neither createdAfter nor lastUpdatedAfter
        {"marketplaceIds": US, "createdAfter": after, "lastUpdatedAfter": after},
        {"marketplaceIds": US, "createdAfter": after, "lastUpdatedBefore": iso(now - timedelta(hours=1))},
        {"marketplaceIds": US, "lastUpdatedAfter": after, "createdBefore": iso(now - timedelta(hours=1))},
        {"marketplaceIds": US, "createdAfter": after, "createdBefore": iso(now)},  # not 2 minutes old
        {"marketplaceIds": US, "createdAfter": "2020-02-01T00:00:00Z", "createdBefore": after},
        {"marketplaceIds": US, "createdAfter": after, "maxResultsPerPage": 0},
        {"marketplaceIds": US, "createdAfter": after, "maxResultsPerPage": 101},
        {"marketplaceIds": US, "createdAfter": "yesterday"},
        {"marketplaceIds": "A1PA6795UKMFR9", "createdAfter": after},
        {"marketplaceIds": US, "createdAfter": after, "includedData": "ITEMS"},
        {"marketplaceIds": US, "createdAfter": after, "fulfillmentStatuses": "Shipped"},
        {"marketplaceIds": US, "createdAfter": after, "fulfilledBy": "AFN"},
    ]
    for params in bad:
        body = fake_api.get("searchOrders", SEARCH, expect=400, **params)
        assert body["errors"][0]["code"] == "InvalidInput", params


def test_included_data_adds_datasets_and_filters_apply(fake_api: CheckedApi) -> None:
    base = {"marketplaceIds": US, "createdAfter": "2000-01-01T00:00:00Z", "maxResultsPerPage": 3}
    bare = fake_api.get("searchOrders", SEARCH, **base)["orders"][0]
    assert set(bare) == {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"}
    assert set(bare["orderItems"][0]) == {"orderItemId", "quantityOrdered", "product"}
    full = fake_api.get("searchOrders", SEARCH, includedData=ALL_DATA, **base)["orders"][0]
    assert full["fulfillment"] == {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "AMAZON"}
    assert full["proceeds"]["grandTotal"]["currencyCode"] == "USD"
    assert full["orderItems"][0]["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": 1}
    shipped = fake_api.get("searchOrders", SEARCH, fulfillmentStatuses="SHIPPED", **base)["orders"]
    assert len(shipped) == 3
    assert not fake_api.get("searchOrders", SEARCH, fulfillmentStatuses="CANCELLED", **base)["orders"]
    assert not fake_api.get("searchOrders", SEARCH, fulfilledBy="MERCHANT", **base)["orders"]


def test_last_updated_window(fake_api: CheckedApi, fake_emu: RunningEmulator) -> None:
    after = fake_emu.world.anchor - timedelta(days=3)
    body = fake_api.get("searchOrders", SEARCH, marketplaceIds=US, lastUpdatedAfter=iso(after))
    assert body["orders"]
    assert all(o["lastUpdatedTime"] >= iso(after) for o in body["orders"])
    assert "lastUpdatedBefore" in body and "createdBefore" not in body


def test_get_order(fake_api: CheckedApi) -> None:
    first = fake_api.get("searchOrders", SEARCH, marketplaceIds=US, createdAfter="2000-01-01T00:00:00Z")
    order_id = first["orders"][0]["orderId"]
    body = fake_api.get("getOrder", f"{SEARCH}/{order_id}", includedData="FULFILLMENT")
    assert body["order"]["orderId"] == order_id
    assert body["order"]["orderItems"] and body["order"]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    missing = fake_api.get("getOrder", f"{SEARCH}/999-0000000-0000000", expect=404)
    assert missing["errors"][0]["code"] == "NotFound"
    bad = fake_api.get("getOrder", f"{SEARCH}/{order_id}", expect=400, includedData="NOPE")
    assert bad["errors"][0]["code"] == "InvalidInput"


def test_search_orders_rate_limit_is_the_published_one(spapi_models: Any) -> None:
    with run_emulator(world=FakeWorld(), speed=1.0) as emu:
        a = CheckedApi(emu, spapi_models)
        params = {"marketplaceIds": US, "createdAfter": "2020-01-01T00:00:00Z", "maxResultsPerPage": 1}
        statuses = []
        for _ in range(22):
            res = a.call("searchOrders", "GET", SEARCH, expect=None, params=params)
            statuses.append(res.status_code)
            assert res.headers["x-amzn-ratelimit-limit"] == "0.0056"
        assert statuses == [200] * 20 + [429] * 2  # burst 20
        res = a.call("getOrder", "GET", f"{SEARCH}/111-0000001-0000001", expect=200)
        assert res.headers["x-amzn-ratelimit-limit"] == "0.5"
        a.close()


# --- the seeded world: v2026 and v0 agree ----------------------------------------------------------
@pytest.fixture(scope="module")
def seeded(spapi_models: Any) -> Any:
    pytest.importorskip("sellersync.emulator.world")
    with run_emulator(seed=1, scenario="messy", speed=1000.0) as emu:
        a = CheckedApi(emu, spapi_models)
        yield emu, a
        a.close()


def _money(m: dict[str, str] | None) -> Decimal:
    return Decimal(m["amount"]) if m else Decimal(0)


def test_seeded_world_v2026_agrees_with_v0(seeded: Any) -> None:
    emu, a = seeded
    emu.reset_limits()
    anchor = emu.world.anchor
    window = {"LastUpdatedAfter": iso(anchor - timedelta(days=5)), "LastUpdatedBefore": iso(anchor)}
    markets = ",".join(emu.marketplace_ids)
    v0 = a.get("getOrders", "/orders/v0/orders", MarketplaceIds=markets, **window)["payload"]
    new = a.get(
        "searchOrders",
        SEARCH,
        marketplaceIds=markets,
        lastUpdatedAfter=window["LastUpdatedAfter"],
        lastUpdatedBefore=window["LastUpdatedBefore"],
        includedData=ALL_DATA,
    )
    assert "NextToken" not in v0 and "pagination" not in new  # one page each
    assert [o["orderId"] for o in new["orders"]] == [o["AmazonOrderId"] for o in v0["Orders"]]
    status = {"Shipped": "SHIPPED", "Pending": "PENDING", "Canceled": "CANCELLED"}
    for old, order in zip(v0["Orders"], new["orders"], strict=True):
        assert order["fulfillment"]["fulfillmentStatus"] == status[old["OrderStatus"]]
        assert order["createdTime"] == old["PurchaseDate"]
        assert order["salesChannel"]["marketplaceName"] == old["SalesChannel"]
        assert order["recipient"]["deliveryAddress"]["countryCode"] == old["ShippingAddress"]["CountryCode"]
        items = a.get("getOrderItems", f"/orders/v0/orders/{old['AmazonOrderId']}/orderItems")["payload"]
        for old_item, item in zip(items["OrderItems"], order["orderItems"], strict=True):
            assert item["product"]["sellerSku"] == old_item["SellerSKU"]
            assert item["quantityOrdered"] == old_item["QuantityOrdered"]
            breakdowns = {b["type"]: b for b in item.get("proceeds", {}).get("breakdowns", [])}
            if "ItemPrice" in old_item:
                assert _money(breakdowns["ITEM"]["subtotal"]) == Decimal(old_item["ItemPrice"]["Amount"])
                assert -_money(breakdowns["DISCOUNT"]["subtotal"]) == Decimal(
                    old_item["PromotionDiscount"]["Amount"]
                )
            else:
                assert not breakdowns
        single = a.get("getOrder", f"{SEARCH}/{order['orderId']}", includedData=ALL_DATA)["order"]
        assert single == order
    ops = emu.stats()["operations"]
    assert ops["getOrders"]["calls"] == 1  # v0 still served, and counted
    assert ops["getOrderItems"]["calls"] == len(v0["Orders"])
