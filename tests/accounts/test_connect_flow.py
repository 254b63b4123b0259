"""Connecting Amazon over real HTTP: our server, the emulator's consent page and LWA token endpoint.

connect → consent (302 back to us) → callback → connection stored with an encrypted refresh token
→ first sync started through the job service under the id in the 303 redirect; and every way the
flow can fail ends on a page that says so, with nothing half-connected left behind.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select

from sellersync.accounts import oauth
from sellersync.config import Settings
from sellersync.secrets import SecretBox
from sellersync.store.models import OAuthState, SyncEvent
from sellersync.store.types import utcnow
from tests.accounts.conftest import Server, accounts_server, database_bytes
from tests.conftest import Database
from tests.support.emulator import RunningEmulator
from tests.support.waits import wait_until


def issued_refresh_tokens(emu: RunningEmulator) -> set[str]:
    """Every refresh token the emulator's LWA handed out (read from the emulator, not from us)."""
    return set(emu.app.state.emu.lwa._refresh) - {emu.refresh_token}


def test_connect_stores_encrypted_token_and_starts_the_first_sync(server: Server, db: Database) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")

    res = browser.get("/api/amazon/connect")
    assert res.status_code == 200
    url = urlsplit(res.json()["url"])
    q = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == server.emu.base_url
    assert url.path == "/apps/authorize/consent"
    assert q["application_id"] == ["amzn1.sp.solution.test-app"]
    assert q["redirect_uri"] == [server.base_url + "/api/amazon/callback"]
    assert len(q["state"][0]) > 40

    callback_url = server.consent(browser)
    code = parse_qs(urlsplit(callback_url).query)["spapi_oauth_code"][0]
    done = server.callback(browser, callback_url)
    assert done.status_code == 303
    location = urlsplit(done.headers["location"])
    assert location.path == "/"
    sync_id = parse_qs(location.query)["syncId"][0]

    status = browser.get(f"/api/sync/status/{sync_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["syncId"] == sync_id
    assert body["trigger"] == "oauth"
    assert body["status"] in ("queued", "running", "completed")

    (conn,) = server.connections()
    assert conn.workspace_id == server.workspace_of("owner@a.test")
    assert conn.selling_partner_id == server.emu.seller_id
    assert conn.status == "active"
    assert conn.marketplace_ids == sorted(server.emu.marketplace_ids)
    assert body["connectionId"] == conn.id
    assert [r.id for r in server.runs()] == [sync_id]

    listed = browser.get("/api/amazon/connections").json()["items"]
    assert [(c["id"], c["status"], c["reconnectRequired"]) for c in listed] == [(conn.id, "active", False)]

    # the refresh token is the one Amazon issued, stored encrypted: never readable in the file
    assert conn.refresh_token_encrypted is not None
    token = SecretBox.from_settings(server.settings).decrypt(conn.refresh_token_encrypted)
    assert token in issued_refresh_tokens(server.emu)
    final = server.wait(browser, sync_id)
    assert final["status"] == "completed", final
    raw = database_bytes(db)
    assert raw, "no database file read"
    assert token.encode() not in raw
    assert b"Atzr|" not in raw and b"Atza|" not in raw
    assert code.encode() not in raw
    # nor in any answer or event
    for text in (done.text, done.headers["location"], status.text, str(listed)):
        assert token not in text and code not in text
    with server.uow() as s:
        events = [str(e.data) for e in s.scalars(select(SyncEvent))]
    assert events and not any("Atz" in e for e in events)


def test_consent_url_uses_the_regional_seller_central_host() -> None:
    base = Settings(app_id="amzn1.sp.solution.x", public_url="https://app.example.com/")
    na = urlsplit(oauth.consent_url(base, "s.t", "NA"))
    assert (na.scheme, na.netloc, na.path) == ("https", "sellercentral.amazon.com", "/apps/authorize/consent")
    assert parse_qs(na.query) == {
        "application_id": ["amzn1.sp.solution.x"],
        "state": ["s.t"],
        "redirect_uri": ["https://app.example.com/api/amazon/callback"],
    }
    assert urlsplit(oauth.consent_url(base, "s.t", "EU")).netloc == "sellercentral-europe.amazon.com"
    assert urlsplit(oauth.consent_url(base, "s.t", "FE")).netloc == "sellercentral-japan.amazon.co.jp"
    beta = Settings(consent_beta=True, consent_url="http://127.0.0.1:9/apps/authorize/consent")
    url = oauth.consent_url(beta, "s.t", "NA")
    assert url.startswith("http://127.0.0.1:9/apps/authorize/consent?")
    assert parse_qs(urlsplit(url).query)["version"] == ["beta"]


def _nothing_connected(server: Server) -> None:
    assert server.connections() == []
    assert server.runs() == []


def test_denied_consent_ends_on_a_page_and_connects_nothing(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    server.emu.set_faults(deny_consent=True)
    url = server.consent(browser)
    assert "error=access_denied" in url
    res = server.callback(browser, url)
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("text/html")
    assert "declined" in res.text
    _nothing_connected(server)


def test_replayed_state_is_refused(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    url = server.consent(browser)
    assert server.callback(browser, url).status_code == 303
    again = server.callback(browser, url)
    assert again.status_code == 400
    assert "already used" in again.text
    assert len(server.connections()) == 1
    assert len(server.runs()) == 1


def test_state_replayed_before_amazon_answers_is_refused_without_exchanging(server: Server) -> None:
    """A state is used up by its first presentation, even one that carried no code."""
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    url = server.consent(browser)
    state = parse_qs(urlsplit(url).query)["state"][0]
    first = browser.get("/api/amazon/callback", params={"state": state, "error": "access_denied"})
    assert first.status_code == 400
    assert "declined" in first.text
    assert server.callback(browser, url).status_code == 400
    _nothing_connected(server)


def test_forged_states_are_refused(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    url = server.consent(browser)
    query = parse_qs(urlsplit(url).query)
    state = query["state"][0]
    nonce, signature = state.split(".")
    forged = [
        nonce + "." + ("A" if signature[0] != "A" else "B") + signature[1:],  # bad signature
        ("x" if nonce[0] != "x" else "y") + nonce[1:] + "." + signature,  # unknown nonce
        nonce,  # unsigned
        "",
        "a.b.c",
    ]
    for bad in forged:
        params = {**{k: v[0] for k, v in query.items()}, "state": bad}
        res = browser.get("/api/amazon/callback", params=params)
        assert res.status_code == 400, bad
        assert "state" in res.text
    _nothing_connected(server)
    # the genuine state was not spent by the forgeries
    assert server.callback(browser, url).status_code == 303


def test_cross_user_state_is_refused_and_spent(server: Server) -> None:
    server.user("alice@a.test", "Acme")
    server.user("bob@b.test", "Bobco")
    server.user("carol@a.test", "Acme", role="member")
    alice = server.login("alice@a.test")
    url = server.consent(alice)
    for other in ("bob@b.test", "carol@a.test"):
        res = server.callback(server.login(other), url)
        assert res.status_code in (400, 403)
        assert "another user" in res.text or "already used" in res.text
    _nothing_connected(server)
    assert server.callback(alice, url).status_code == 400  # spent by the first wrong presentation
    _nothing_connected(server)


def test_callback_without_a_session_is_refused(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    url = server.consent(browser)
    res = server.callback(server.anonymous(), url)
    assert res.status_code == 401
    assert "Sign in" in res.text
    _nothing_connected(server)


def test_code_exchange_error_connects_nothing(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    url = server.consent(browser)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    query["spapi_oauth_code"] = "ANspNotARealCode"
    res = browser.get("/api/amazon/callback?" + urlencode(query))
    assert res.status_code == 400
    assert "invalid_grant" in res.text and "Nothing was connected" in res.text
    assert "ANspNotARealCode" not in res.text
    _nothing_connected(server)


def test_expired_state_is_refused(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu, oauth_state_ttl_seconds=1) as server:
        server.user("owner@a.test", "Acme")
        browser = server.login("owner@a.test")
        url = server.consent(browser)

        def expired() -> bool:  # the state's stored expiry has passed (the TTL is 1 s)
            with server.uow() as s:
                return all(state.expires_at <= utcnow() for state in s.scalars(select(OAuthState)))

        wait_until(expired, "the OAuth state to expire", timeout=30)
        res = server.callback(browser, url)
        assert res.status_code == 400
        assert "expired" in res.text
        _nothing_connected(server)
        with server.uow() as s:
            (state,) = s.scalars(select(OAuthState))
            assert state.used_at is not None


def test_seller_of_another_workspace_is_refused(server: Server) -> None:
    server.user("alice@a.test", "Acme")
    server.user("bob@b.test", "Bobco")
    alice, bob = server.login("alice@a.test"), server.login("bob@b.test")
    first = server.connect(alice)
    (conn,) = server.connections()
    stored = conn.refresh_token_encrypted
    res = server.callback(bob, server.consent(bob))
    assert res.status_code == 409
    assert "already connected to another sellersync workspace" in res.text
    (after,) = server.connections()
    assert (after.workspace_id, after.status, after.refresh_token_encrypted) == (
        conn.workspace_id,
        "active",
        stored,
    )
    assert [r.id for r in server.runs()] == [first]
    assert bob.get("/api/amazon/connections").json() == {"items": []}


def test_read_only_users_cannot_connect_start_or_cancel(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    server.user("viewer@a.test", "Acme", role="read_only")
    owner, viewer = server.login("owner@a.test"), server.login("viewer@a.test")
    sync_id = server.connect(owner)
    assert viewer.get("/api/amazon/connect").status_code == 403
    assert viewer.post("/api/sync/start").status_code == 403
    assert viewer.post(f"/api/sync/cancel/{sync_id}").status_code == 403
    (conn,) = server.connections()
    assert viewer.delete(f"/api/amazon/connection/{conn.id}").status_code == 403
    # but they can read
    assert viewer.get(f"/api/sync/status/{sync_id}").status_code == 200
    assert [c["id"] for c in viewer.get("/api/amazon/connections").json()["items"]] == [conn.id]


def test_disconnect_deletes_the_tokens_and_reconnect_restores(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    first = server.connect(browser)
    (conn,) = server.connections()
    res = browser.delete(f"/api/amazon/connection/{conn.id}")
    assert res.status_code == 200
    assert res.json()["status"] == "disconnected"
    (after,) = server.connections()
    assert after.refresh_token_encrypted is None and after.status == "disconnected"
    assert server.wait(browser, first)["status"] in ("cancelled", "completed")
    start = browser.post("/api/sync/start")
    assert start.status_code == 400 and start.json()["error"] == "amazon_not_connected"
    # connecting again reuses the connection and starts a new sync
    second = server.connect(browser)
    (again,) = server.connections()
    assert again.id == conn.id and again.status == "active" and again.refresh_token_encrypted
    assert second != first


def test_revoked_authorization_shows_reconnect_required(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    first = server.wait(browser, server.connect(browser))
    assert first["status"] == "completed"
    server.emu.set_faults(revoke_refresh_tokens=True)
    start = browser.post("/api/sync/start")
    assert start.status_code == 202
    failed = server.wait(browser, start.json()["syncId"])
    assert failed["status"] == "failed" and "reconnect" in failed["error"]
    (item,) = browser.get("/api/amazon/connections").json()["items"]
    assert item["status"] == "reconnect_required" and item["reconnectRequired"] is True
    assert "connect again" in item["message"]
    server.emu.clear_faults()
    server.connect(browser)
    (item,) = browser.get("/api/amazon/connections").json()["items"]
    assert item["status"] == "active"


@pytest.mark.parametrize("region", ["XX"])
def test_unknown_region_is_a_400(server: Server, region: str) -> None:
    server.user("owner@a.test", "Acme")
    res = server.login("owner@a.test").get("/api/amazon/connect", params={"region": region})
    assert res.status_code == 400


def test_api_token_callers_can_ask_for_the_consent_url(server: Server) -> None:
    server.user("owner@a.test", "Acme")
    browser = server.login("owner@a.test")
    token = browser.post("/api/tokens", json={"name": "script"}).json()["token"]
    res = server.token_client(token).get("/api/amazon/connect")
    assert res.status_code == 200
    # the browser that finishes the flow must be signed in as the same user
    answer = httpx.get(res.json()["url"], follow_redirects=False)
    assert server.callback(browser, answer.headers["location"]).status_code == 303
