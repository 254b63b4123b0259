"""Login with Amazon: consent redirect, code exchange (single use, 5 minutes), refresh, revocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sellersync.emulator.faults import FaultConfig
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import OffsetClock, RunningEmulator, run_emulator

REDIRECT = "https://app.example.com/amazon/callback"


def consent(emu: RunningEmulator, state: str = "st-123", **extra: str) -> dict[str, list[str]]:
    res = httpx.get(
        emu.base_url + "/apps/authorize/consent",
        params={
            "application_id": "amzn1.sp.solution.x",
            "state": state,
            "redirect_uri": REDIRECT,
            "version": "beta",
            **extra,
        },
    )
    assert res.status_code == 302
    location = res.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def token(emu: RunningEmulator, **form: str) -> httpx.Response:
    body = {"client_id": emu.client_id, "client_secret": emu.client_secret, **form}
    return httpx.post(emu.token_url, data=body)


def exchange(emu: RunningEmulator, code: str, redirect_uri: str = REDIRECT) -> httpx.Response:
    return token(emu, grant_type="authorization_code", code=code, redirect_uri=redirect_uri)


def assert_invalid_grant(res: httpx.Response) -> None:
    assert res.status_code == 400
    body: dict[str, Any] = res.json()
    assert body["error"] == "invalid_grant"
    assert body["error_description"]


def test_consent_code_exchange_and_refresh(fake_emu: RunningEmulator) -> None:
    query = consent(fake_emu, state="csrf-abc")
    assert query["state"] == ["csrf-abc"]
    assert query["selling_partner_id"] == [fake_emu.seller_id]
    code = query["spapi_oauth_code"][0]
    res = exchange(fake_emu, code)
    assert res.status_code == 200
    body = res.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    # the access token opens the SP-API; the new refresh token mints more access tokens
    ok = httpx.get(
        fake_emu.base_url + "/sellers/v1/marketplaceParticipations",
        headers={"x-amz-access-token": body["access_token"]},
    )
    assert ok.status_code == 200
    refreshed = token(fake_emu, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != body["access_token"]
    # single use
    assert_invalid_grant(exchange(fake_emu, code))


def test_code_checks_redirect_uri_and_client(fake_emu: RunningEmulator) -> None:
    code = consent(fake_emu)["spapi_oauth_code"][0]
    assert_invalid_grant(exchange(fake_emu, code, redirect_uri="https://evil.example.com/cb"))
    code = consent(fake_emu)["spapi_oauth_code"][0]
    bad_client = httpx.post(
        fake_emu.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": fake_emu.client_id,
            "client_secret": "wrong",
        },
    )
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"
    assert_invalid_grant(exchange(fake_emu, "never-issued"))
    unsupported = token(fake_emu, grant_type="password")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"


def test_code_expires_after_five_minutes() -> None:
    clock = OffsetClock()
    with run_emulator(world=FakeWorld(), clock=clock) as emu:
        code = consent(emu)["spapi_oauth_code"][0]
        clock.advance(301)
        assert_invalid_grant(exchange(emu, code))


def test_access_token_expires_after_an_hour() -> None:
    clock = OffsetClock()
    with run_emulator(world=FakeWorld(), clock=clock) as emu:
        access = emu.access_token()
        url = emu.base_url + "/sellers/v1/marketplaceParticipations"
        assert httpx.get(url, headers={"x-amz-access-token": access}).status_code == 200
        clock.advance(3601)
        res = httpx.get(url, headers={"x-amz-access-token": access})
        assert res.status_code == 403
        assert res.json()["errors"][0]["code"] == "Unauthorized"


def test_revoked_refresh_token_is_invalid_grant() -> None:
    with run_emulator(world=FakeWorld()) as emu:
        assert token(emu, grant_type="refresh_token", refresh_token=emu.refresh_token).is_success
        assert emu.admin("POST", "revoke")["revoked"] >= 1
        assert_invalid_grant(token(emu, grant_type="refresh_token", refresh_token=emu.refresh_token))
        # reconnecting (a new consent) gives a working token again
        fresh = exchange(emu, consent(emu)["spapi_oauth_code"][0]).json()["refresh_token"]
        assert token(emu, grant_type="refresh_token", refresh_token=fresh).is_success


def test_faults_revoke_at_start_and_deny_consent() -> None:
    faults = FaultConfig(revoke_refresh_tokens=True, deny_consent=True)
    with run_emulator(world=FakeWorld(), faults=faults) as emu:
        assert_invalid_grant(token(emu, grant_type="refresh_token", refresh_token=emu.refresh_token))
        query = consent(emu, state="s-9")
        assert query == {"error": ["access_denied"], "state": ["s-9"]}
