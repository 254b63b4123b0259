"""Accounts fixtures: the real app under uvicorn on a known port (its public URL is the OAuth
redirect_uri), the real emulator as Amazon, users created through the accounts service."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, text

from sellersync.accounts import service as accounts
from sellersync.api.deps import SESSION_COOKIE
from sellersync.app import create_app
from sellersync.config import Settings
from sellersync.emulator.embedded import bound_socket
from sellersync.store.base import Base
from sellersync.store.engine import make_engine, make_session_factory
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.uow import UnitOfWork
from tests.conftest import Database
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.sellersync import serve_app, settings_for

PASSWORD = "correct horse battery"
#: Settings a production server accepts: a long key, the app's own LWA credentials, an https public URL.
PRODUCTION: dict[str, Any] = {
    "env": "production",
    "secret_key": "a-production-secret-key-of-40-characters",
    "lwa_client_id": "amzn1.application-oa2-client.test-production",
    "lwa_client_secret": "test-production-secret",
    "public_url": "https://sellersync.example",
}
TERMINAL = {"completed", "partial", "failed", "cancelled"}


@dataclass
class Server:
    base_url: str
    settings: Settings
    uow: UnitOfWork
    emu: RunningEmulator
    clients: list[httpx.Client] = field(default_factory=list)

    def anonymous(self) -> httpx.Client:
        """A browser on our pages: it names their origin on every request (as browsers do on writes)."""
        c = httpx.Client(base_url=self.base_url, timeout=30, headers={"origin": self.base_url})
        self.clients.append(c)
        return c

    def user(self, email: str, workspace: str, role: str = "owner") -> int:
        with self.uow() as s:
            return accounts.create_user(s, email=email, password=PASSWORD, workspace=workspace, role=role).id

    def login(self, email: str) -> httpx.Client:
        """A browser: a cookie jar signed in as ``email``."""
        c = self.anonymous()
        res = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert res.status_code == 200, res.text
        if "secure" in res.headers["set-cookie"].lower():
            # A production server's cookie is Secure; this client reaches it over plain http on
            # 127.0.0.1, as a browser reaches it through a TLS-terminating proxy: keep sending it.
            c.cookies.set(SESSION_COOKIE, res.cookies[SESSION_COOKIE])
        return c

    def token_client(self, token: str) -> httpx.Client:
        c = httpx.Client(base_url=self.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        self.clients.append(c)
        return c

    def consent(self, browser: httpx.Client, region: str | None = None) -> str:
        """GET /api/amazon/connect, then the emulator's consent page: the callback URL it redirects to."""
        res = browser.get("/api/amazon/connect", params={"region": region} if region else None)
        assert res.status_code == 200, res.text
        answer = httpx.get(res.json()["url"], follow_redirects=False)
        assert answer.status_code == 302, answer.text
        location: str = answer.headers["location"]
        assert location.startswith(self.base_url + "/api/amazon/callback?")
        return location

    def callback(self, browser: httpx.Client, url: str) -> httpx.Response:
        return browser.get(url, follow_redirects=False)

    def connect(self, browser: httpx.Client) -> str:
        """The whole consent flow; returns the first sync's id from the 303 redirect."""
        res = self.callback(browser, self.consent(browser))
        assert res.status_code == 303, res.text
        sync_id = parse_qs(urlsplit(res.headers["location"]).query)["syncId"][0]
        return sync_id

    def wait(self, browser: httpx.Client, sync_id: str, timeout: float = 180) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = browser.get(f"/api/sync/status/{sync_id}").json()
            if body["status"] in TERMINAL or time.monotonic() > deadline:
                return body
            time.sleep(0.2)

    def connections(self, workspace_id: int | None = None) -> list[AmazonConnection]:
        with self.uow() as s:
            q = select(AmazonConnection).order_by(AmazonConnection.id)
            if workspace_id is not None:
                q = q.where(AmazonConnection.workspace_id == workspace_id)
            return list(s.scalars(q))

    def runs(self) -> list[SyncRun]:
        with self.uow() as s:
            return list(s.scalars(select(SyncRun).order_by(SyncRun.created_at)))

    def workspace_of(self, email: str) -> int:
        with self.uow() as s:
            user = accounts.user_by_email(s, email)
            assert user is not None
            return user.workspace_id


ServerFactory = Callable[..., Server]


@contextmanager
def accounts_server(database_url: str, emu: RunningEmulator, **overrides: Any) -> Iterator[Server]:
    sock = bound_socket()  # bound before the settings name its port: no other process can take it
    port = sock.getsockname()[1]
    values: dict[str, Any] = {
        "public_url": f"http://127.0.0.1:{port}",
        "consent_url": emu.base_url,
        "app_id": "amzn1.sp.solution.test-app",
        "backfill_days": 60,
        "schedule_check_seconds": 3600,
        **overrides,
    }
    settings = settings_for(database_url, emu, **values)
    engine = make_engine(database_url)
    with serve_app(create_app(settings), sock):
        srv = Server(f"http://127.0.0.1:{port}", settings, UnitOfWork(make_session_factory(engine)), emu)
        try:
            yield srv
        finally:
            for c in srv.clients:
                c.close()
            engine.dispose()


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=7, speed=2000.0) as e:
        yield e


@pytest.fixture
def server(db: Database, emu: RunningEmulator) -> Iterator[Server]:
    with accounts_server(db.url, emu) as srv:
        yield srv


def database_bytes(db: Database) -> bytes:
    """Everything the database holds: the SQLite files' bytes, or every PostgreSQL row as text."""
    if db.dialect == "sqlite":
        return b"".join(p.read_bytes() for p in database_files(db.url))
    with db.engine.connect() as conn:
        return "\n".join(
            str(row[0])
            for table in Base.metadata.sorted_tables
            for row in conn.execute(text(f'SELECT CAST(t AS text) FROM "{table.name}" t'))
        ).encode()


def database_files(url: str) -> list[Path]:
    """The SQLite database file and its WAL/journal companions."""
    path = Path(url.removeprefix("sqlite:///"))
    return [
        p
        for p in (path, *(path.with_name(path.name + s) for s in ("-wal", "-journal", "-shm")))
        if p.exists()
    ]
