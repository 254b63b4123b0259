"""Tenant isolation over real HTTP, for every route of the app (enumerated from ``app.routes``).

Workspace A has a seller connected through the real OAuth flow, a completed sync, data, claims and
an API token. Workspace B has a user and a token and nothing else. B (by cookie and by token) asks
every endpoint for A's objects: object endpoints answer 404, list endpoints answer only B's own
(empty) data, and nothing A did changes. Without credentials every non-public endpoint answers 401.
A new endpoint is covered automatically: the suite fails until its path parameters have values.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from sellersync.app import create_app
from tests.accounts.conftest import Server, accounts_server
from tests.conftest import CopyDatabase
from tests.support.emulator import RunningEmulator, run_emulator

PUBLIC = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/health"),
    ("GET", "/metrics"),
    ("POST", "/api/auth/login"),
    # dashboard pages: without a session "/" redirects to /login (tests/web/test_dashboard.py)
    ("GET", "/"),
    ("GET", "/login"),
    # the claims page likewise (/login?next=...); it holds no data: its script reads the API, which
    # answers 404 for another workspace's claim (tests/web/test_claims_page.py)
    ("GET", "/claims"),
    ("GET", "/claims/{claim_id}"),
}
#: Path parameters that name a thing; a route with one of them is an object endpoint.
OBJECT_PARAMS = {"sync_id", "key", "token_id", "connection_id", "run_id", "claim_id"}
CALLBACK = "/api/amazon/callback"
LOGOUT = "/api/auth/logout"
EVENTS = "/api/sync/events"


def routes() -> list[tuple[str, str]]:
    app = create_app(_settings_stub())
    found = set()
    for ctx in iter_route_contexts(app.routes):
        for method in ctx.methods or ():
            if method != "HEAD" and ctx.path:
                found.add((method, ctx.path))
    return sorted(found, key=lambda r: (r[1] == LOGOUT, r[1], r[0]))  # logout last


def _settings_stub() -> Any:
    from sellersync.config import Settings

    return Settings(database_url="sqlite://")


@dataclass
class World:
    server: Server
    a_browser: httpx.Client
    a_token: httpx.Client
    params: dict[str, str]
    markers: list[str]  # strings only A's answers may contain
    a_connection: int
    a_sync: str


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=11, speed=2000.0) as e:
        yield e


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, emu: RunningEmulator, migrated_sqlite: CopyDatabase
) -> Iterator[World]:
    url = migrated_sqlite(tmp_path_factory.mktemp("isolation") / "sellersync.db")
    with accounts_server(url, emu) as server:
        server.user("alice@a.test", "Acme")
        server.user("bob@b.test", "Bobco")
        a = server.login("alice@a.test")
        sync_id = server.connect(a)
        assert server.wait(a, sync_id)["status"] == "completed"
        (conn,) = server.connections()
        created = a.post("/api/tokens", json={"name": "alice"}).json()
        a_token = server.token_client(created["token"])
        orders = a.get("/api/data/orders", params={"limit": 3}).json()["items"]
        assert orders, "A's sync wrote no orders"
        detect = a.post("/api/claims/detect")
        assert detect.status_code == 200, detect.text
        claims = a.get("/api/claims").json()["items"]
        runs = a.get("/api/claims/runs").json()["items"]
        assert claims and runs
        params = {
            "sync_id": sync_id,
            "entity": "orders",
            "key": orders[0]["amazonOrderId"],
            "token_id": str(created["id"]),
            "connection_id": str(conn.id),
            "run_id": str(runs[0]["detectionRunId"]),
            "claim_id": str(claims[0]["id"]),
        }
        markers = [
            sync_id,
            emu.seller_id,
            "alice@a.test",
            created["prefix"],
            *(o["amazonOrderId"] for o in orders),
            *(c["claimKey"] for c in claims[:3]),
        ]
        yield World(server, a, a_token, params, markers, conn.id, sync_id)


def _path(path: str, params: dict[str, str]) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    missing = [n for n in names if n not in params]
    assert not missing, f"{path}: give the isolation suite a value of A's for {missing}"
    for n in names:
        path = re.sub(r"{" + n + r"(?::\w+)?}", params[n], path)
    return path


def _is_object(path: str) -> bool:
    return bool(set(re.findall(r"{(\w+)", path)) & OBJECT_PARAMS)


def _request(c: httpx.Client, method: str, url: str, world: World, **kw: Any) -> httpx.Response:
    if url.startswith(EVENTS):
        return _sse(c, url, since=0)
    if method in ("POST", "PUT", "PATCH") and "json" not in kw:
        kw["json"] = {"connectionId": world.a_connection, "products": []}
    return c.request(method, url, **kw)


def _sse(c: httpx.Client, url: str, since: int, seconds: float = 1.5) -> httpx.Response:
    """Read an event stream for a while; the answer's text is what arrived."""
    chunks: list[str] = []
    with c.stream("GET", url, params={"since": since}) as res:
        if res.status_code != 200:
            res.read()
            return res
        deadline = time.monotonic() + seconds
        for text in res.iter_text():
            chunks.append(text)
            if time.monotonic() > deadline:
                break
    return httpx.Response(200, text="".join(chunks), request=res.request)


def _leaks(world: World, res: httpx.Response) -> list[str]:
    text = res.text
    return [m for m in world.markers if m and m in text]


def _b_clients(world: World) -> dict[str, httpx.Client]:
    s = world.server
    b_browser = s.login("bob@b.test")
    token = b_browser.post("/api/tokens", json={"name": "bob"}).json()["token"]
    return {"cookie": b_browser, "token": s.token_client(token)}


def _fresh_a_state(world: World) -> dict[str, str]:
    consent = world.a_browser.get("/api/amazon/connect").json()["url"]
    answer = httpx.get(consent, follow_redirects=False)
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


ROUTES = routes()


def test_every_route_is_enumerated() -> None:
    paths = {p for _, p in ROUTES}
    for expected in ("/api/sync/status/{sync_id}", "/api/amazon/connect", "/api/tokens/{token_id}", EVENTS):
        assert expected in paths


@pytest.mark.parametrize("method,path", [r for r in ROUTES if r not in PUBLIC])
def test_requests_without_credentials_are_401(world: World, method: str, path: str) -> None:
    url = _path(path, world.params)
    s = world.server
    for client in (
        s.anonymous(),
        s.token_client("ss_" + "A" * 43),  # well-formed, unknown
        s.token_client("garbage"),
    ):
        res = client.request(method, url)
        assert res.status_code == 401, (method, path, res.status_code, res.text[:200])
    forged = s.anonymous()
    forged.cookies.set("sellersync_session", "forged-session-value")
    assert forged.request(method, url).status_code == 401


@pytest.mark.parametrize("via", ["cookie", "token"])
def test_other_workspace_sees_nothing_of_a(world: World, via: str) -> None:
    s = world.server
    runs_before = len(s.runs())
    b = _b_clients(world)[via]
    checked = []
    for method, path in ROUTES:
        if (method, path) in PUBLIC:
            continue
        url = _path(path, world.params)
        if path == CALLBACK:
            res = b.get(url, params=_fresh_a_state(world), follow_redirects=False)
            assert res.status_code == 403 and "another user" in res.text, res.text
        elif _is_object(path):
            res = _request(b, method, url, world)
            assert res.status_code == 404, (via, method, path, res.status_code, res.text[:300])
        else:
            res = _request(b, method, url, world)
            assert res.status_code < 500 and res.status_code not in (401, 403), (via, method, path, res.text)
            if res.status_code < 300 and method in ("POST", "PUT", "DELETE"):
                assert path in ("/api/tokens", LOGOUT), f"{method} {path} acted on A's connection"
            if method == "GET" and res.headers.get("content-type", "").startswith("application/json"):
                # with A's connection as a filter, a list is a 404 or B's own (empty) data
                filtered = b.get(url, params={"connectionId": world.a_connection})
                assert filtered.status_code in (200, 400, 404), (path, filtered.text)
                assert not _leaks(world, filtered), (path, filtered.text[:300])
        assert not _leaks(world, res), (via, method, path, _leaks(world, res), res.text[:300])
        checked.append((method, path, res.status_code))
    assert len(checked) == len([r for r in ROUTES if r not in PUBLIC])

    # nothing of A changed: its token works, its connection is active, no sync started for it
    assert world.a_token.get("/api/auth/me").json()["user"]["email"] == "alice@a.test"
    (conn,) = s.connections()
    assert conn.status == "active" and conn.refresh_token_encrypted
    assert len(s.runs()) == runs_before
    assert world.a_browser.get(f"/api/sync/status/{world.a_sync}").status_code == 200


def test_lists_show_a_its_own_data(world: World) -> None:
    """The positive control: the markers do appear in A's own answers, so their absence means something."""
    a = world.a_browser
    assert world.a_sync in a.get("/api/sync/status").text
    assert world.a_sync in a.get("/api/sync/history").text
    assert world.params["key"] in a.get("/api/data/orders").text
    assert world.server.emu.seller_id in a.get("/api/amazon/connections").text
    assert world.a_sync in _sse(a, EVENTS, since=0).text
    assert world.a_sync in _sse(world.a_token, EVENTS, since=0).text
    for method, path in ROUTES:
        if _is_object(path) and method == "GET":
            res = a.get(_path(path, world.params))
            assert res.status_code == 200, (path, res.text[:200])


def test_b_cannot_use_a_connection_even_by_naming_it(world: World) -> None:
    b = _b_clients(world)["token"]
    start = b.post("/api/sync/start", json={"connectionId": world.a_connection})
    assert start.status_code == 404 and start.json()["error"] == "not_found"
    assert b.get("/api/data/orders", params={"connectionId": world.a_connection}).status_code == 404
    assert b.delete(f"/api/tokens/{world.params['token_id']}").status_code == 404
    own = [t["id"] for t in b.get("/api/tokens").json()["items"]]
    assert own and int(world.params["token_id"]) not in own
