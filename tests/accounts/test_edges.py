"""The sign-in edges: an atomic lockout, forwarded addresses only from trusted proxies, same-origin
cookie writes, and production settings that refuse to start when unsafe."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from sellersync.accounts import service as accounts
from sellersync.app import create_app
from sellersync.config import Settings, UnsafeSettings
from tests.accounts.conftest import PASSWORD, PRODUCTION, Server, accounts_server
from tests.conftest import Database
from tests.support.emulator import RunningEmulator
from tests.support.sellersync import settings_for, spawn_server


def _guess(client: httpx.Client, password: str, **headers: str) -> int:
    res = client.post(
        "/api/auth/login", json={"email": "owner@a.test", "password": password}, headers=headers
    )
    return res.status_code


def test_forty_parallel_wrong_passwords_on_two_servers_are_checked_only_ten_times(
    db: Database, emu: RunningEmulator
) -> None:
    with accounts_server(db.url, emu) as a, accounts_server(db.url, emu) as b:
        a.user("owner@a.test", "Acme")
        clients = [srv.anonymous() for srv in (a, b) for _ in range(10)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(lambda i: _guess(clients[i % 20], f"wrong {i}"), range(40)))
        assert codes.count(401) == 10, codes  # a password was checked only ten times
        assert codes.count(429) == 30, codes
        assert _guess(a.anonymous(), PASSWORD) == 429  # even the right password waits now


def test_a_rotated_x_forwarded_for_does_not_escape_the_lockout_of_sellersync_serve(
    db: Database, emu: RunningEmulator, tmp_path: Path
) -> None:
    """``sellersync serve`` as the README starts it: uvicorn must not believe 127.0.0.1's X-Forwarded-For."""
    with db.uow() as s:
        accounts.create_user(s, email="owner@a.test", password=PASSWORD, workspace="Acme")
    settings = settings_for(db.url, emu, schedule_check_seconds=3600)
    with (
        spawn_server(settings, tmp_path / "server.log", log_level="info") as server,
        httpx.Client(base_url=server.base_url, timeout=30) as c,
    ):
        codes = [_guess(c, f"g{i}", **{"x-forwarded-for": f"203.0.113.{i}"}) for i in range(11)]
    assert codes == [401] * 10 + [429]


def test_a_trusted_proxy_names_the_client(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu, trusted_proxies="127.0.0.1/32, ::1") as server:
        server.user("owner@a.test", "Acme")
        c = server.anonymous()
        # Each forwarded client has its own count; the proxy's own address is not the client.
        assert [_guess(c, "g", **{"x-forwarded-for": f"203.0.113.{i}"}) for i in range(12)] == [401] * 12
        one = {"x-forwarded-for": "198.51.100.7, 127.0.0.1"}
        assert [_guess(c, f"h{i}", **one) for i in range(11)] == [401] * 10 + [429]
        assert _guess(c, PASSWORD, **{"x-forwarded-for": "198.51.100.8"}) == 200


def test_cookie_writes_must_say_they_come_from_our_pages(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    browser.headers.pop("origin")
    bare = browser.post("/api/tokens", json={"name": "x"})
    assert bare.status_code == 403 and bare.json()["error"] == "forbidden"
    assert (
        browser.post("/api/tokens", json={"name": "x"}, headers={"sec-fetch-site": "same-site"}).status_code
        == 403
    )
    same = browser.post("/api/tokens", json={"name": "x"}, headers={"sec-fetch-site": "same-origin"})
    assert same.status_code == 201
    assert browser.get("/api/tokens").status_code == 200  # reads need neither
    program = server.token_client(same.json()["token"])  # a bearer token is no ambient credential
    assert program.post("/api/tokens", json={"name": "y"}).status_code == 201


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"secret_key": "x"}, "SELLERSYNC_SECRET_KEY"),
        (
            {
                "lwa_client_id": "amzn1.application-oa2-client.sellersync-dev",
                "lwa_client_secret": "sellersync-dev-secret",
            },
            "SELLERSYNC_LWA_CLIENT_ID",
        ),
        ({"public_url": "http://sellersync.example"}, "SELLERSYNC_PUBLIC_URL"),
    ],
)
def test_production_refuses_unsafe_settings(override: dict[str, str], named: str) -> None:
    with pytest.raises(UnsafeSettings, match=named):
        create_app(Settings(**{**PRODUCTION, **override, "database_url": "sqlite://"}))
    create_app(Settings(**{**PRODUCTION, "database_url": "sqlite://"}))  # the safe ones start
    create_app(Settings(**{**override, "database_url": "sqlite://"}))  # development allows them


def test_sellersync_serve_says_why_it_refuses_production(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
    env |= {
        "SELLERSYNC_ENV": "production",
        "SELLERSYNC_SECRET_KEY": "short",
        "SELLERSYNC_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
    }
    done = subprocess.run(
        [sys.executable, "-m", "sellersync.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    out = " ".join((done.stdout + done.stderr).split())
    assert "refusing to start in production" in out and "at least 32 characters" in out
    assert "SELLERSYNC_LWA_CLIENT_ID" in out and "https://" in out
