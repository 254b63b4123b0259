"""The HTTP edges over a live server: every bad input is a 4xx (never a 500 or a cut answer), bodies are
bounded, another workspace's connection is a 404 everywhere, bulk writes keep SQLite's lock short, and
the OpenAPI document names what the routes answer."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sellersync.accounts import service as accounts
from sellersync.config import Settings
from sellersync.store.models import AmazonConnection, SellerProduct, Workspace
from tests.conftest import Database
from tests.support.sellersync import API_KEY, run_server
from tests.support.sqlite_lock import sqlite_path


@dataclass
class Edge:
    base_url: str
    client: httpx.Client  # a signed-in user's API token
    anonymous: httpx.Client
    connection_id: int  # the user's
    foreign_connection_id: int  # another workspace's


@pytest.fixture
def edge(db: Database) -> Iterator[Edge]:
    settings = Settings(
        database_url=db.url,
        api_key=API_KEY,
        secret_key="test-secret-key",
        reaper_interval_seconds=3600,
        schedule_check_seconds=3600,
    )
    with db.uow() as s:
        user = accounts.create_user(s, email="owner@a.test", password="correct horse", workspace="Acme")
        _, token = accounts.create_token(s, user.id, "edges")
        other = Workspace(name="Other")
        s.add(other)
        s.flush()
        mine = AmazonConnection(workspace_id=user.workspace_id, selling_partner_id="AMINE", region="NA")
        theirs = AmazonConnection(workspace_id=other.id, selling_partner_id="ATHEIRS", region="NA")
        s.add_all([mine, theirs])
        s.flush()
        ids = mine.id, theirs.id
    with (
        run_server(settings) as server,
        httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as client,
        httpx.Client(base_url=server.base_url) as anonymous,
    ):
        yield Edge(server.base_url, client, anonymous, *ids)


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.request.url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert body["error"] and body["message"]
    return body


def _send(client: httpx.Client, method: str, path: str, document: Any) -> httpx.Response:
    """JSON as json.dumps writes it (httpx itself refuses to encode a lone surrogate)."""
    body = json.dumps(document).encode()
    return client.request(method, path, content=body, headers={"content-type": "application/json"})


def _cursor(**fields: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


def test_integers_beyond_the_columns_are_400(edge: Edge) -> None:
    c = edge.client
    for path, params in (
        ("/api/sync/history", {"offset": 2**63}),
        ("/api/data/orders", {"offset": 2**63}),
        ("/api/claims", {"offset": 2**63}),
        ("/api/claims/runs", {"offset": 2**63}),
        ("/api/data/orders", {"connectionId": 2**31}),
        ("/api/claims", {"connectionId": 2**31}),
        ("/api/claims/products", {"connectionId": 2**31}),
        ("/api/sync/events", {"since": 2**70}),
    ):
        _error(c.get(path, params=params), 400)
    _error(c.post("/api/sync/start", json={"connectionId": 2**31}), 400)
    _error(c.post("/api/claims/detect", json={"connectionId": 2**63}), 400)
    _error(c.get("/api/sync/events", headers={"Last-Event-ID": str(2**70)}), 400)
    _error(c.get("/api/sync/events", headers={"Last-Event-ID": "²".encode()}), 400)
    _error(c.delete(f"/api/tokens/{2**63}"), 400)


def test_a_superscript_digit_is_not_a_claim_id(edge: Edge) -> None:
    for weird in ("²", "١٢", "1²"):
        assert _error(edge.client.get(f"/api/claims/{weird}"), 404)["error"] == "not_found"


@pytest.mark.parametrize(
    "fields",
    [
        {"e": "orders", "d": None, "i": 1},  # no "o"
        {"e": "orders", "o": "desc", "d": "0001-01-01T00:00:00+00:00", "i": 1},
        {"e": "orders", "o": "desc", "d": "9999-12-31T23:59:59+00:00", "i": 1},
        {"e": "orders", "o": "desc", "d": "0001-01-01T00:00:00+05:00", "i": 1},  # before year 1 in UTC
        {"e": "orders", "o": "desc", "d": "9999-12-31T23:00:00-05:00", "i": 1},  # after 9999 in UTC
        {"e": "orders", "o": ["desc"], "d": None, "i": 1},
    ],
)
def test_a_malformed_cursor_is_400(edge: Edge, fields: dict[str, Any]) -> None:
    body = _error(edge.client.get("/api/data/orders", params={"cursor": _cursor(**fields)}), 400)
    assert "cursor" in body["message"]


def test_text_the_store_cannot_hold_is_400_everywhere(edge: Edge) -> None:
    c = edge.client
    products = "/api/claims/products"
    for bad in ("a\x00b", "\ud800", "x\udfff"):  # sent as JSON escapes: \u0000, \ud800, \udfff
        _error(_send(c, "POST", "/api/tokens", {"name": bad}), 400)
        product = {"marketplaceId": "ATVPDKIKX0DER", "sku": bad}
        _error(_send(c, "PUT", products, {"products": [product]}), 400)
        login = _send(edge.anonymous, "POST", "/api/auth/login", {"email": f"o{bad}@a.test", "password": "x"})
        assert _error(login, 400)["error"] == "invalid_request"
    _error(_send(c, "POST", "/api/tokens", {"name\x00": "key"}), 400)  # a key is text too
    deep = c.put(products, content=b"[" * 100_000, headers={"content-type": "application/json"})
    assert _error(deep, 400)["error"] == "invalid_request"
    # a raw NUL in the URL, in a query value or in a path segment
    _error(c.get("/api/data/orders", params={"sku": "a\x00b"}), 400)
    _error(c.get("/api/data/orders/A%00B"), 400)
    _error(c.get("/api/claims", params={"marketplaceId": "\x00"}), 400)
    # too long for the column: 400, not a database error
    _error(c.post("/api/tokens", json={"name": "n" * 101}), 400)
    _error(c.put(products, json={"products": [{"marketplaceId": "ATVPDKIKX0DER", "sku": "s" * 81}]}), 400)
    _error(edge.anonymous.post("/api/auth/login", json={"email": "e" * 400, "password": "x"}), 400)
    assert c.get("/api/tokens").json()["items"][0]["name"] == "edges"  # nothing was created


def test_a_body_above_the_limit_is_413(edge: Edge) -> None:
    big = b'{"name": "' + b"x" * (30 * 1024 * 1024) + b'"}'
    declared = edge.client.post("/api/tokens", content=big, headers={"content-type": "application/json"})
    assert _error(declared, 413)["error"] == "body_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for i in range(0, len(big), 1 << 20):
            yield big[i : i + (1 << 20)]

    streamed = edge.client.post("/api/tokens", content=chunks(), headers={"content-type": "application/json"})
    assert _error(streamed, 413)["error"] == "body_too_large"
    assert edge.client.post("/api/tokens", json={"name": "small"}).status_code == 201


def test_another_workspaces_connection_is_404_everywhere(edge: Edge) -> None:
    c, theirs = edge.client, edge.foreign_connection_id
    for r in (
        c.post("/api/sync/start", json={"connectionId": theirs}),
        c.post("/api/claims/detect", json={"connectionId": theirs}),
        c.get("/api/claims/products", params={"connectionId": theirs}),
        c.put("/api/claims/products", json={"connectionId": theirs, "products": []}),
        c.get("/api/data/orders", params={"connectionId": theirs}),
        c.get("/api/claims", params={"connectionId": theirs}),
        c.delete(f"/api/amazon/connection/{theirs}"),
        c.post("/api/sync/start", json={"connectionId": 999_999}),  # and an unknown one alike
    ):
        assert _error(r, 404)["error"] == "not_found", r.request.url


def test_ten_thousand_products_never_hold_the_write_lock_for_a_second(edge: Edge, db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the single-writer lock is SQLite's")
    longest = {  # the largest upload the API takes: 10,000 products, every field at its longest, indented
        "marketplaceId": "M" * 20,
        "fnsku": "F" * 20,
        "asin": "A" * 20,
        "unitCost": "99999999.0000",
        "currency": "USD",
        **{f: "100000.0000" for f in ("lengthIn", "widthIn", "heightIn", "weightLb")},
    }
    upload = json.dumps(
        {"products": [{**longest, "sku": f"{i:05d}" + "S" * 75} for i in range(10_000)]}, indent=2
    )
    assert len(upload) > 4_000_000
    waits: list[float] = []
    answer: list[httpx.Response] = []
    put = threading.Thread(
        target=lambda: answer.append(
            edge.client.put(
                "/api/claims/products",
                content=upload,
                headers={"content-type": "application/json"},
                timeout=120,
            )
        )
    )
    other = sqlite3.connect(sqlite_path(db.url), timeout=30, isolation_level=None)
    try:
        put.start()
        while put.is_alive():  # another writer, as a sync or a sign-in would be, takes the lock in turn
            asked = time.monotonic()
            other.execute("BEGIN IMMEDIATE")
            waits.append(time.monotonic() - asked)
            other.execute("ROLLBACK")
        put.join()
    finally:
        other.close()
    assert answer[0].status_code == 200, answer[0].text
    assert answer[0].json()["received"] == 10_000
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(SellerProduct)) == 10_000
    assert len(waits) > 1 and max(waits) < 1.0, (len(waits), max(waits))


def test_the_openapi_document_names_every_answer(edge: Edge) -> None:
    doc = edge.anonymous.get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert "422" not in codes and "400" in codes, (method, path)
            if op.get("security"):
                assert {"401", "403"} <= codes, (method, path)
            if "requestBody" in op:
                assert "413" in codes, (method, path)
    assert list(doc["paths"]["/api/sync/events"]["get"]["responses"]["200"]["content"]) == [
        "text/event-stream"
    ]
    export = doc["paths"]["/api/claims/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/vnd.apache.parquet"}
    assert {"404", "409"} <= set(doc["paths"]["/api/sync/start"]["post"]["responses"])
    assert {"401", "429"} <= set(doc["paths"]["/api/auth/login"]["post"]["responses"])


def test_a_sku_given_twice_in_one_upload_merges_its_fields(edge: Edge) -> None:
    first = {"marketplaceId": "ATVPDKIKX0DER", "sku": "TWICE", "unitCost": "1.00", "lengthIn": "3"}
    second = {"marketplaceId": "ATVPDKIKX0DER", "sku": "TWICE", "unitCost": "2.00"}
    put = edge.client.put("/api/claims/products", json={"products": [first, second]})
    assert put.status_code == 200 and put.json()["received"] == 2, put.text
    (item,) = edge.client.get("/api/claims/products").json()["items"]
    assert (item["unitCost"], item["lengthIn"]) == ("2.00", "3.00")
