"""Sign-in, sessions, API tokens, the development API key and the administration commands."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from sellersync.app import create_app
from sellersync.config import Settings
from sellersync.secrets import SecretKeyMissing
from sellersync.store.models import ApiToken, User, UserSession
from tests.accounts.conftest import PASSWORD, PRODUCTION, Server, accounts_server, database_bytes
from tests.conftest import Database
from tests.support.emulator import RunningEmulator
from tests.support.sellersync import API_KEY


def test_login_sets_a_safe_session_cookie_and_logout_ends_it(server: Server, db: Database) -> None:
    server.user("Owner@A.test", "Acme")
    c = server.anonymous()
    assert c.get("/api/auth/me").status_code == 401
    wrong = c.post("/api/auth/login", json={"email": "owner@a.test", "password": "wrong password"})
    assert wrong.status_code == 401
    nobody = c.post("/api/auth/login", json={"email": "nobody@a.test", "password": PASSWORD})
    assert nobody.status_code == 401 and nobody.json() == wrong.json()

    res = c.post("/api/auth/login", json={"email": "owner@a.test", "password": PASSWORD})
    assert res.status_code == 200
    cookie = res.headers["set-cookie"]
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attrs
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in attrs  # plain HTTP here
    me = c.get("/api/auth/me").json()
    assert me["user"]["email"] == "owner@a.test" and me["role"] == "owner" and me["via"] == "session"
    assert me["workspace"]["name"] == "Acme"

    secret = c.cookies["sellersync_session"]
    raw = database_bytes(db)
    assert secret.encode() not in raw and PASSWORD.encode() not in raw
    with server.uow() as s:
        (user,) = s.scalars(select(User))
        assert user.password_hash and user.password_hash.startswith("scrypt$")
        assert len(list(s.scalars(select(UserSession)))) == 1

    assert c.post("/api/auth/logout").status_code == 200
    assert c.get("/api/auth/me").status_code == 401
    replay = server.anonymous()
    replay.cookies.set("sellersync_session", secret)
    assert replay.get("/api/auth/me").status_code == 401
    with server.uow() as s:
        assert list(s.scalars(select(UserSession))) == []


def test_cookie_is_secure_over_https_through_a_trusted_proxy_only(db: Database, emu: RunningEmulator) -> None:
    def cookie_attrs(server: Server) -> set[str]:
        res = server.anonymous().post(
            "/api/auth/login",
            json={"email": "owner@a.test", "password": PASSWORD},
            headers={"x-forwarded-proto": "https"},
        )
        assert res.status_code == 200
        return {a.strip().lower() for a in res.headers["set-cookie"].split(";")}

    with accounts_server(db.url, emu, trusted_proxies="127.0.0.1") as proxied:
        proxied.user("owner@a.test", "Acme")
        assert "secure" in cookie_attrs(proxied)
    with accounts_server(db.url, emu) as direct:  # anyone may write X-Forwarded-Proto: not believed
        assert "secure" not in cookie_attrs(direct)


def test_cross_origin_writes_with_the_cookie_are_refused(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    c = server.login("owner@a.test")
    evil = c.post("/api/tokens", json={"name": "x"}, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403
    same = c.post("/api/tokens", json={"name": "x"}, headers={"origin": server.base_url})
    assert same.status_code == 201
    assert c.get("/api/auth/me", headers={"origin": "https://evil.example"}).status_code == 200


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(server: Server, db: Database) -> None:
    server.user("owner@a.test", "Acme")
    c = server.login("owner@a.test")
    created = c.post("/api/tokens", json={"name": "ci"})
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("ss_") and body["prefix"] == token[:10]
    listed = c.get("/api/tokens").json()["items"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert token not in str(listed)

    program = server.token_client(token)
    me = program.get("/api/auth/me").json()
    assert me["via"] == "token" and me["user"]["email"] == "owner@a.test"
    raw = database_bytes(db)
    assert token.encode() not in raw
    with server.uow() as s:
        (row,) = s.scalars(select(ApiToken))
        assert row.last_used_at is not None

    assert c.delete(f"/api/tokens/{body['id']}").status_code == 200
    assert program.get("/api/auth/me").status_code == 401
    assert c.delete(f"/api/tokens/{body['id']}").status_code == 404
    assert server.token_client("ss_" + "x" * 43).get("/api/auth/me").status_code == 401
    assert server.token_client("not-a-token").get("/api/auth/me").status_code == 401


def test_development_api_key_acts_as_the_default_workspace_owner(server: Server) -> None:
    me = server.token_client(API_KEY).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["via"] == "api_key" and me.json()["role"] == "owner"
    assert me.json()["workspace"]["name"] == "Default"
    # it has no user: user-bound actions say so
    assert server.token_client(API_KEY).get("/api/amazon/connect").status_code == 403


def test_api_key_is_refused_outside_development(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu, **PRODUCTION) as server:
        assert server.token_client(API_KEY).get("/api/sync/status").status_code == 401
        server.user("owner@a.test", "Acme")
        assert server.login("owner@a.test").get("/api/sync/status").status_code == 200


def test_server_refuses_to_start_without_a_secret_key_outside_development() -> None:
    with pytest.raises(SecretKeyMissing):
        create_app(Settings(env="production", secret_key="", database_url="sqlite://"))
    create_app(Settings(env="development", secret_key="", database_url="sqlite://"))


def test_too_many_failed_sign_ins_are_slowed_down(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    c = server.anonymous()
    codes = [
        c.post("/api/auth/login", json={"email": "owner@a.test", "password": f"guess {i}"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    locked = c.post("/api/auth/login", json={"email": "owner@a.test", "password": PASSWORD})
    assert locked.status_code == 429


def test_the_lockout_holds_across_servers_sharing_the_database(db: Database, emu: RunningEmulator) -> None:
    """Ten guesses spread over two server processes still lock the address out on both."""
    with accounts_server(db.url, emu) as a, accounts_server(db.url, emu) as b:
        a.user("owner@a.test", "Acme")
        ca, cb = a.anonymous(), b.anonymous()
        codes = [
            (ca if i % 2 else cb).post("/api/auth/login", json={"email": "owner@a.test", "password": f"g{i}"})
            for i in range(10)
        ]
        assert [r.status_code for r in codes] == [401] * 10
        for c in (ca, cb):
            right = c.post("/api/auth/login", json={"email": "owner@a.test", "password": PASSWORD})
            assert right.status_code == 429
        with db.engine.connect() as conn:  # failures are kept as digests, not as the typed address
            dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM login_failures")))
        assert dump and "owner@a.test" not in dump


def test_a_successful_sign_in_clears_the_failures(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    c = server.anonymous()

    def sign_in(password: str) -> int:
        return c.post("/api/auth/login", json={"email": "owner@a.test", "password": password}).status_code

    assert [sign_in(f"g{i}") for i in range(9)] == [401] * 9
    assert sign_in(PASSWORD) == 200
    assert [sign_in(f"h{i}") for i in range(9)] == [401] * 9  # counting starts again
    assert sign_in(PASSWORD) == 200


def _cli(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERSYNC_")}
    env["SELLERSYNC_DATABASE_URL"] = db.url
    return subprocess.run(
        [sys.executable, "-m", "sellersync.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_creates_users_and_tokens(server: Server, db: Database) -> None:
    made = _cli(db, "users", "create", "--email", "cli@a.test", "--password", PASSWORD, "--workspace", "Cli")
    assert made.returncode == 0, made.stderr
    dup = _cli(db, "users", "create", "--email", "CLI@a.test", "--password", PASSWORD, "--workspace", "Cli")
    assert dup.returncode == 1
    tok = _cli(db, "tokens", "create", "--email", "cli@a.test")
    assert tok.returncode == 0, tok.stderr
    token = tok.stdout.strip().splitlines()[-1]
    me = server.token_client(token).get("/api/auth/me").json()
    assert me["user"]["email"] == "cli@a.test" and me["workspace"]["name"] == "Cli"
    assert server.login("cli@a.test").get("/api/auth/me").status_code == 200
    assert _cli(db, "tokens", "create", "--email", "nobody@a.test").returncode == 1
