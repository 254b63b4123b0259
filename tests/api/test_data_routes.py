"""The data endpoints (/api/data/...) against the real app under uvicorn, on a migrated database.

Rows are written with the store's own upsert; every assertion is about what an HTTP client sees.
Two workspaces share the database: the caller's ("Default", connections A and B) and another one
(connection C), whose rows must never show.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from sellersync.api.routes.data import ENTITIES
from sellersync.app import create_app
from sellersync.config import Settings
from sellersync.connections import default_workspace
from sellersync.store.models import (
    AmazonConnection,
    CanonicalRow,
    CustomerReturn,
    FbaShipment,
    FinancialEvent,
    InboundShipment,
    InboundShipmentItem,
    InventorySummary,
    LedgerEvent,
    Order,
    OrderItem,
    QuarantinedRow,
    Reimbursement,
    RemovalOrder,
    RemovalShipment,
    Settlement,
    SettlementLine,
    Workspace,
)
from sellersync.store.upsert import upsert
from tests.conftest import Database
from tests.support.sellersync import serve_app

API_KEY = "k"
BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SYNC_1 = "11111111-1111-4111-8111-111111111111"
SYNC_2 = "22222222-2222-4222-8222-222222222222"
SYNC_OTHER = "33333333-3333-4333-8333-333333333333"
US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"


# ---------------------------------------------------------------- server


@pytest.fixture
def server(db: Database) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a background thread, logging as `sellersync serve`."""
    settings = Settings(
        database_url=db.url,
        api_key=API_KEY,
        secret_key="test-secret-key",
        reaper_interval_seconds=3600,
        schedule_check_seconds=3600,
    )
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client:
        yield client


# ---------------------------------------------------------------- data


def sample(model: type[CanonicalRow], tag: str, i: int, **over: Any) -> dict[str, Any]:
    """One row of ``model``, identifiers derived from ``tag`` and ``i``, dated BASE + i days."""
    when = BASE + timedelta(days=i)
    sku = f"SKU-{i % 3}"
    ident = f"{tag}-{i:04d}"
    by_model: dict[type[CanonicalRow], dict[str, Any]] = {
        Order: {
            "amazon_order_id": f"ORD-{ident}",
            "purchase_date": when,
            "currency": "USD",
            "order_total": Decimal("19.99") + i,
        },
        OrderItem: {
            "amazon_order_id": f"ORD-{ident}",
            "sku": sku,
            "quantity": 1,
            "currency": "USD",
            "item_price": Decimal("19.99") + i,
            "purchase_date": when,
        },
        FbaShipment: {
            "shipment_item_id": f"SI-{ident}",
            "amazon_order_id": f"ORD-{ident}",
            "shipment_date": when,
            "sku": sku,
            "item_price": Decimal("5"),
        },
        InboundShipment: {"shipment_id": f"FBA-{ident}", "created_date": when},
        InboundShipmentItem: {"shipment_id": f"FBA-{ident}", "sku": sku, "quantity_shipped": 10},
        CustomerReturn: {
            "return_date": when,
            "order_id": f"ORD-{ident}",
            "sku": sku,
            "license_plate_number": f"LPN-{ident}",
        },
        Reimbursement: {
            "reimbursement_id": f"R-{ident}",
            "approval_date": when,
            "sku": sku,
            "condition": "SELLABLE",
            "amount_total": Decimal("-3.5"),
            "amount_per_unit": Decimal("0.0125"),
        },
        LedgerEvent: {
            "row_key": f"L-{ident}",
            "event_date": when,
            "fnsku": f"X-{i % 3}",
            "sku": sku,
            "event_type": "Shipments",
            "quantity": -1,
        },
        InventorySummary: {"sku": f"INV-{ident}", "last_updated_time": when},
        RemovalOrder: {
            "order_id": f"RM-{ident}",
            "request_date": when,
            "sku": sku,
            "disposition": "Sellable",
            "removal_fee": Decimal("0.5"),
        },
        RemovalShipment: {"row_key": f"RS-{ident}", "order_id": f"RM-{ident}", "shipment_date": when},
        Settlement: {
            "settlement_id": f"ST-{ident}",
            "settlement_start_date": when - timedelta(days=14),
            "settlement_end_date": when,
            "total_amount": Decimal("1234.5"),
            "currency": "USD",
        },
        SettlementLine: {
            "row_key": f"SL-{ident}",
            "settlement_id": f"ST-{ident}",
            "amount": Decimal("-2.99"),
            "posted_date": when,
            "sku": sku,
        },
        FinancialEvent: {
            "row_key": f"FE-{ident}",
            "event_list": "ShipmentEventList",
            "event_type": "shipment",
            "posted_date": when,
            "sku": sku,
            "component": "fee",
            "charge_type": "FBAPerUnitFulfillmentFee",
            "amount": Decimal("-3.22"),
        },
        QuarantinedRow: {"stream": "orders", "row_key": f"Q-{ident}", "raw": "a\tb", "reason": "bad date"},
    }
    return {"marketplace_id": US, **by_model[model], **over}


@dataclass
class World:
    own_a: int  # connection A of the caller's workspace: 3 rows per table (2 by SYNC_1, 1 by SYNC_2)
    own_b: int  # connection B of the caller's workspace: 2 rows per table, marketplace DE
    other: int  # connection C of another workspace: 4 rows per table


MODELS = {e.model for e in ENTITIES.values()}


def _connection(s: Any, workspace_id: int, seller: str) -> int:
    conn = AmazonConnection(
        workspace_id=workspace_id, selling_partner_id=seller, region="NA", schedule_enabled=False
    )
    s.add(conn)
    s.flush()
    return conn.id


@pytest.fixture
def world(db: Database) -> World:
    with db.uow() as s:
        own = default_workspace(s)
        other_ws = Workspace(name="Other")
        s.add(other_ws)
        s.flush()
        a, b = _connection(s, own.id, "SELLER-A"), _connection(s, own.id, "SELLER-B")
        c = _connection(s, other_ws.id, "SELLER-C")
        for model in MODELS:
            rows_a = [{"connection_id": a, **sample(model, "A", i)} for i in range(3)]
            upsert(s, model, rows_a[:2], sync_id=SYNC_1)
            upsert(s, model, rows_a[2:], sync_id=SYNC_2)
            rows_b = [{"connection_id": b, **sample(model, "B", i, marketplace_id=DE)} for i in range(2)]
            upsert(s, model, rows_b, sync_id=SYNC_1)
            rows_c = [{"connection_id": c, **sample(model, "C", i)} for i in range(4)]
            upsert(s, model, rows_c, sync_id=SYNC_OTHER)
    return World(own_a=a, own_b=b, other=c)


def _get(api: httpx.Client, path: str, **params: Any) -> Any:
    r = api.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) >= {"error", "message"}
    return body


# ---------------------------------------------------------------- tests


def test_bearer_key_is_required(server: str, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {API_KEY}"}):
        r = httpx.get(f"{server}/api/data/orders", headers=headers)
        assert _error(r, 401)["error"] == "unauthorized"
    r = httpx.get(f"{server}/api/data/orders/ORD-A-0000")
    assert r.status_code == 401


def test_every_entity_lists_only_the_callers_workspace(api: httpx.Client, world: World) -> None:
    listed = {e["name"] for e in _get(api, "/api/data")["entities"]}
    assert listed == set(ENTITIES)
    for name in ENTITIES:
        page = _get(api, f"/api/data/{name}", limit=500)
        assert page["total"] == 5, name
        assert page["limit"] == 500 and page["offset"] == 0 and page["nextOffset"] is None
        assert {i["connectionId"] for i in page["items"]} == {world.own_a, world.own_b}, name
        assert len({i["id"] for i in page["items"]}) == 5
        for item in page["items"]:
            assert "rowHash" not in item and "row_hash" not in item
            assert all("_" not in k for k in item), item
        only_a = _get(api, f"/api/data/{name}", connectionId=world.own_a)
        assert only_a["total"] == 3
        other = api.get(f"/api/data/{name}", params={"connectionId": world.other})
        assert _error(other, 404)["error"] == "not_found"


def test_items_are_json_with_camel_case_money_strings_and_utc_z(api: httpx.Client, world: World) -> None:
    orders = _get(api, "/api/data/orders", connectionId=world.own_a)["items"]
    newest = orders[0]
    assert newest["amazonOrderId"] == "ORD-A-0002"  # newest first by purchase date
    assert newest["orderTotal"] == "21.99"
    assert newest["purchaseDate"] == "2024-03-03T12:00:00Z"
    assert newest["marketplaceId"] == US and newest["syncId"] == SYNC_2
    assert newest["updatedAt"].endswith("Z")
    assert [i["sku"] for i in newest["items"]] == ["SKU-2"]
    assert newest["items"][0]["itemPrice"] == "21.99"

    reimb = _get(api, "/api/data/reimbursements", limit=1)["items"][0]
    assert reimb["amountTotal"] == "-3.50"
    assert reimb["amountPerUnit"] == "0.0125"
    settlement = _get(api, "/api/data/settlements", limit=1)["items"][0]
    assert settlement["totalAmount"] == "1234.50"
    assert "lines" not in settlement  # lines come with the single-object route
    inbound = _get(api, "/api/data/inbound-shipments", limit=1)["items"][0]
    assert inbound["items"][0]["quantityShipped"] == 10
    for name in ENTITIES:
        for item in _get(api, f"/api/data/{name}")["items"]:
            for value in item.values():
                assert not isinstance(value, float), (name, item)


def test_single_object_routes_and_their_404s(api: httpx.Client, world: World) -> None:
    order = _get(api, "/api/data/orders/ORD-A-0001")
    assert order["connectionId"] == world.own_a
    assert order["itemsTotal"] == 1 and order["items"][0]["amazonOrderId"] == "ORD-A-0001"

    st = _get(api, "/api/data/settlements/ST-B-0000")
    assert st["totalAmount"] == "1234.50" and st["linesTotal"] == 1
    assert st["lines"][0]["amount"] == "-2.99" and st["lines"][0]["settlementId"] == "ST-B-0000"
    inbound = _get(api, "/api/data/inbound-shipments/FBA-A-0002")
    assert [i["sku"] for i in inbound["items"]] == ["SKU-2"]

    # another workspace's objects exist, yet answer exactly like missing ones
    for entity, theirs in (
        ("orders", "ORD-C-0000"),
        ("settlements", "ST-C-0003"),
        ("inbound-shipments", "FBA-C-0001"),
    ):
        missing = _error(api.get(f"/api/data/{entity}/NOPE"), 404)
        assert _error(api.get(f"/api/data/{entity}/{theirs}"), 404) == missing
        assert missing["error"] == "not_found"
    assert _error(api.get("/api/data/orders/ORD-A-0001", params={"connectionId": world.other}), 404)
    assert _error(api.get("/api/data/orders/ORD-A-0001", params={"connectionId": world.own_b}), 404)
    assert _error(api.get("/api/data/ledger/L-A-0000"), 404)["error"] == "not_found"


def test_same_identifier_in_two_workspaces_never_mixes(api: httpx.Client, world: World, db: Database) -> None:
    """An order id known to both workspaces: the caller sees only its own row and its own items."""
    with db.uow() as s:
        for conn, total in ((world.own_b, Decimal("1")), (world.other, Decimal("999"))):
            row = sample(Order, "X", 0, amazon_order_id="ORD-SHARED", order_total=total)
            upsert(s, Order, [{"connection_id": conn, **row}], sync_id=SYNC_1)
            item = sample(OrderItem, "X", 0, amazon_order_id="ORD-SHARED", sku=f"SKU-{conn}")
            upsert(s, OrderItem, [{"connection_id": conn, **item}], sync_id=SYNC_1)
    order = _get(api, "/api/data/orders/ORD-SHARED")
    assert order["orderTotal"] == "1.00" and order["connectionId"] == world.own_b
    assert [i["sku"] for i in order["items"]] == [f"SKU-{world.own_b}"]
    listed = [
        o for o in _get(api, "/api/data/orders", limit=500)["items"] if o["amazonOrderId"] == "ORD-SHARED"
    ]
    assert len(listed) == 1 and [i["sku"] for i in listed[0]["items"]] == [f"SKU-{world.own_b}"]


def test_paging_covers_every_row_once(api: httpx.Client, world: World, db: Database) -> None:
    with db.uow() as s:  # 120 more ledger events, many sharing a date: ties must not break paging
        rows = [
            {
                "connection_id": world.own_a,
                **sample(LedgerEvent, "P", i, event_date=BASE + timedelta(days=i % 7)),
            }
            for i in range(120)
        ]
        upsert(s, LedgerEvent, rows, sync_id=SYNC_2)
    expected = 125
    for order in ("desc", "asc"):
        seen: list[int] = []
        dates: list[str] = []
        offset: int | None = 0
        pages = 0
        while offset is not None:
            page = _get(api, "/api/data/ledger", limit=7, offset=offset, order=order)
            assert page["total"] == expected and page["limit"] == 7 and page["offset"] == offset
            assert len(page["items"]) == min(7, expected - offset)
            seen += [i["id"] for i in page["items"]]
            dates += [i["eventDate"] for i in page["items"]]
            offset = page["nextOffset"]
            pages += 1
        assert pages == 18
        assert len(seen) == len(set(seen)) == expected
        assert dates == sorted(dates, reverse=order == "desc")
    beyond = _get(api, "/api/data/ledger", offset=1000)
    assert beyond["items"] == [] and beyond["total"] == expected and beyond["nextOffset"] is None


def _walk(api: httpx.Client, path: str, on_page: Any = None, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page by page with ``nextCursor``; ``on_page(n)`` runs between pages."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = _get(api, path, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            return items
        assert page["nextOffset"] is None or pages == 1  # a cursor page has no offset to go on from
        if on_page:
            on_page(pages)


def test_cursor_paging_sees_each_row_once_while_rows_are_written(
    api: httpx.Client, world: World, db: Database
) -> None:
    with db.uow() as s:  # 120 more ledger events, many sharing a date: ties must not break paging
        tied = [sample(LedgerEvent, "P", i, event_date=BASE + timedelta(days=i % 7)) for i in range(120)]
        upsert(s, LedgerEvent, [{"connection_id": world.own_a, **r} for r in tied], sync_id=SYNC_2)
    before = {i["id"] for i in _walk(api, "/api/data/ledger", limit=500)}
    assert len(before) == 125
    for order in ("desc", "asc"):
        written = 0

        def write_more(page: int, order: str = order) -> None:  # a sync writing between pages
            nonlocal written
            with db.uow() as s:
                tag = f"W{order}{page}"
                more = [  # dated before, among and after the rows already there
                    {"connection_id": world.own_a, **sample(LedgerEvent, tag, k, event_date=d)}
                    for k, d in enumerate(BASE + timedelta(days=n) for n in (-2, 3, 9))
                ]
                written += upsert(s, LedgerEvent, more, sync_id=SYNC_2).written

        seen = _walk(api, "/api/data/ledger", write_more, limit=7, order=order)
        ids = [i["id"] for i in seen]
        assert written > 0
        assert len(ids) == len(set(ids))  # nothing twice
        assert before <= set(ids)  # nothing that was there is skipped
        keys = [(i["eventDate"], i["id"]) for i in seen]
        assert keys == sorted(keys, reverse=order == "desc")


def test_cursor_paging_goes_through_rows_without_a_date(
    api: httpx.Client, world: World, db: Database
) -> None:
    with db.uow() as s:
        rows = [sample(InboundShipment, "N", i, created_date=None if i % 2 else BASE) for i in range(9)]
        upsert(s, InboundShipment, [{"connection_id": world.own_a, **r} for r in rows], sync_id=SYNC_2)
    for order in ("desc", "asc"):
        everything = _get(api, "/api/data/inbound-shipments", limit=500, order=order)["items"]
        walked = _walk(api, "/api/data/inbound-shipments", limit=2, order=order)
        assert [i["id"] for i in walked] == [i["id"] for i in everything]
        dated = [i["createdDate"] is not None for i in walked]
        assert dated == sorted(dated, reverse=True)  # rows without a date come last, in both orders


def _forged(**fields: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def test_a_bad_cursor_is_a_clear_400(api: httpx.Client, world: World) -> None:
    good = _get(api, "/api/data/ledger", limit=1)["nextCursor"]
    assert good
    for params in (
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJ4IjoxfQ"},  # base64 JSON of another shape
        {"cursor": _forged(e="ledger", o="desc", d=None, i=10**30)},  # beyond any id column
        {"cursor": _forged(e="ledger", o="desc", d=12, i=1)},
        {"cursor": good, "order": "asc"},  # made for desc
        {"cursor": good, "offset": 5},
    ):
        body = _error(api.get("/api/data/ledger", params=params), 400)
        assert body["error"] == "invalid_request" and "cursor" in body["message"], params
    other = _error(api.get("/api/data/orders", params={"cursor": good}), 400)  # another entity's cursor
    assert "cursor" in other["message"]


def test_filters(api: httpx.Client, world: World) -> None:
    def total(name: str, **params: Any) -> int:
        n: int = _get(api, f"/api/data/{name}", **params)["total"]
        return n

    # A: days 0,1,2 (Mar 1..3, 12:00Z); B: days 0,1 (Mar 1..2)
    assert total("returns", **{"from": "2024-03-02"}) == 3
    assert total("returns", to="2024-03-01") == 2  # a date covers the whole day
    assert total("returns", **{"from": "2024-03-01", "to": "2024-03-01"}) == 2
    assert total("returns", to="2024-03-01T11:59:59Z") == 0
    assert total("returns", to="2024-03-01T12:00:00") == 2  # no offset: UTC, inclusive
    assert total("returns", **{"from": "2024-03-03T13:00:00+01:00"}) == 1  # = 12:00Z
    assert total("returns", **{"from": "2024-03-02T00:00:00Z", "to": "2024-03-02T23:59:59Z"}) == 2
    assert total("returns", **{"from": "2024-03-01T12:00:00Z", "to": "2024-03-01"}) == 2
    assert total("returns", **{"from": "2024-03-03T12:00:00Z", "to": "9999-12-31"}) == 1
    assert total("settlements", **{"from": "2024-03-03"}) == 1  # on settlementEndDate
    assert total("orders", marketplaceId=DE) == 2
    assert total("orders", marketplaceId="A1F83G8C2ARO7P") == 0
    assert total("ledger", sku="SKU-0") == 2
    assert total("orders", sku="SKU-1") == 2  # orders having an item with that SKU
    assert total("settlements", sku="SKU-2") == 1  # settlements having a line with that SKU
    assert total("orders", syncId=SYNC_2) == 1
    assert total("orders", syncId=SYNC_1) == 4
    assert total("orders", syncId=SYNC_OTHER) == 0  # another workspace's sync shows nothing
    assert total("orders", sku="", marketplaceId="", syncId="") == 5  # empty means no filter
    both = total("financial-events", connectionId=world.own_b, marketplaceId=DE, sku="SKU-1", to="2024-03-02")
    assert both == 1
    dated = _get(api, "/api/data/orders", **{"from": "2024-03-02", "to": "2024-03-02"})["items"]
    assert sorted(o["amazonOrderId"] for o in dated) == ["ORD-A-0001", "ORD-B-0001"]


def test_bad_input_is_a_clear_400(api: httpx.Client, world: World) -> None:
    cases: list[dict[str, Any]] = [
        {"from": "2024-03-05", "to": "2024-03-01"},
        {"from": "2024-03-01T12:00:01Z", "to": "2024-03-01T12:00:00Z"},
        {"from": "2024-03-02T00:00:00Z", "to": "2024-03-01"},
        {"from": "yesterday"},
        {"to": "2024-02-30"},
        {"to": "2024-03-01T25:00"},
        {"limit": 0},
        {"limit": 501},
        {"limit": "ten"},
        {"offset": -1},
        {"connectionId": "abc"},
        {"connectionId": 0},
        {"order": "sideways"},
        {"sku": "x" * 201},
        {"sku": "a\x00b"},
    ]
    for params in cases:
        body = _error(api.get("/api/data/orders", params=params), 400)
        assert body["error"] == "invalid_request", params
        assert body["message"], params
    body = _error(api.get("/api/data/quarantine", params={"sku": "SKU-1"}), 400)
    assert "sku" in body["message"]
    body = _error(api.get("/api/data/orders", params={"from": "2024-03-05", "to": "2024-03-01"}), 400)
    assert "from" in body["message"] and "to" in body["message"]


def test_unknown_entity_is_404_with_the_list(api: httpx.Client, world: World) -> None:
    body = _error(api.get("/api/data/customers"), 404)
    assert body["error"] == "not_found" and body["entities"] == list(ENTITIES)
    assert "orders" in body["message"]
    assert _error(api.get("/api/data/customers/1"), 404)["entities"] == list(ENTITIES)


GARBAGE: list[str] = [
    "",
    " ",
    "\x00",
    "a\x00",
    "%00",
    "%",
    "'; DROP TABLE orders; --",
    '" OR 1=1 --',
    "x" * 5000,
    "9" * 40,
    "-9" * 20,
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "null",
    "[]",
    "{}",
    "true",
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "9999-12-31T23:59:59-14:00",
    "2024-02-30",
    "2024-W01-1",
    "2024-01-01T00:00:00+99:00",
    "😀",
    "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
    "../../etc/passwd",
    "ORD-A-0000",
    "\r\nX-Injected: 1",
]
PARAMS = ["limit", "offset", "from", "to", "marketplaceId", "sku", "connectionId", "syncId", "order"]


def _sane(r: httpx.Response, what: Any) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:300])
    if r.status_code >= 400:
        body = r.json()
        assert isinstance(body, dict) and body.get("error") and "message" in body, (what, body)


def test_no_input_produces_a_500(api: httpx.Client, world: World) -> None:
    names = list(ENTITIES)
    n = 0
    for p, param in enumerate(PARAMS):
        for g, value in enumerate(GARBAGE):
            entity = names[(p * len(GARBAGE) + g) % len(names)]
            _sane(api.get(f"/api/data/{entity}", params={param: value}), (entity, param, value))
            n += 1
        everything = {q: GARBAGE[(p + i) % len(GARBAGE)] for i, q in enumerate(PARAMS)}
        _sane(api.get(f"/api/data/{names[p % len(names)]}", params=everything), everything)
    for value in GARBAGE:
        segment = quote(value, safe="")
        if not value.strip():
            continue  # an empty segment is another path
        for entity in ("orders", "settlements", "ledger", segment):
            _sane(api.get(f"/api/data/{entity}/{segment}"), (entity, value))
            _sane(api.get(f"/api/data/{entity}/{segment}", params={"limit": value, "offset": value}), value)
        _sane(api.get(f"/api/data/{segment}"), value)
    for raw in ("/api/data/orders?from=%FF%FE", "/api/data/orders?sku=%C0%80", "/api/data/orders?limit=%00"):
        _sane(api.get(raw), raw)
    assert n == len(PARAMS) * len(GARBAGE)
