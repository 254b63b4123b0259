"""One sellersync server, sellers of two regions: each is connected and synced on its own region's endpoint.

The emulator serves an NA and an EU world from one server (``/na`` and ``/eu``, one LWA token URL);
sellersync maps each region to its endpoint (``SELLERSYNC_SPAPI_ENDPOINTS``), and the emulator's
request log shows which path each seller's calls arrived on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sellersync.accounts import oauth
from sellersync.app import create_app
from sellersync.config import Settings
from sellersync.emulator.embedded import bound_socket, serve_in_thread
from sellersync.emulator.server import create_server_app
from sellersync.store.engine import make_engine, make_session_factory
from sellersync.store.uow import UnitOfWork
from tests.accounts.conftest import Server
from tests.conftest import Database
from tests.support.emulator import RunningEmulator
from tests.support.sellersync import serve_app


@pytest.fixture
def two_regions() -> Iterator[tuple[str, dict[str, Any]]]:
    app, worlds = create_server_app(seed=11, speed=2000.0, regions=["NA", "EU"])
    with serve_in_thread(app) as url:
        yield url, worlds


def test_na_and_eu_sellers_connect_and_sync_each_on_its_own_endpoint(
    db: Database, two_regions: tuple[str, dict[str, Any]]
) -> None:
    url, worlds = two_regions
    na, eu = worlds["NA"], worlds["EU"]
    assert na.seller_id != eu.seller_id
    sock = bound_socket()  # bound before the settings name its port: no other process can take it
    port = sock.getsockname()[1]
    endpoints = {"NA": f"{url}/na", "EU": f"{url}/eu"}
    settings = Settings(
        database_url=db.url,
        spapi_endpoints=endpoints,
        consent_urls=endpoints,
        lwa_endpoint=f"{url}/auth/o2/token",
        public_url=f"http://127.0.0.1:{port}",
        secret_key="test-secret-key",
        backfill_days=60,
        schedule_check_seconds=3600,
        report_poll_initial_seconds=0.05,
        retry_backoff_seconds=0.02,
    )
    engine = make_engine(db.url)
    emu = RunningEmulator(url, na, settings.lwa_client_id, settings.lwa_client_secret, None)
    with serve_app(create_app(settings), sock):
        srv = Server(f"http://127.0.0.1:{port}", settings, UnitOfWork(make_session_factory(engine)), emu)
        try:
            srv.user("global@example.com", "Global")
            browser = srv.login("global@example.com")
            sync_ids = {}
            for region in ("NA", "EU"):
                consent = browser.get("/api/amazon/connect", params={"region": region}).json()["url"]
                assert consent.startswith(endpoints[region] + "/apps/authorize/consent?")
                done = srv.callback(browser, srv_consent(consent))
                assert done.status_code == 303, done.text
                sync_ids[region] = parse_qs(urlsplit(done.headers["location"]).query)["syncId"][0]
            for region, sync_id in sync_ids.items():
                done = srv.wait(browser, sync_id)
                assert done["status"] == "completed", (region, done)
            listed = {c["region"]: c for c in browser.get("/api/amazon/connections").json()["items"]}
        finally:
            for c in srv.clients:
                c.close()
            engine.dispose()
    assert listed["NA"]["sellingPartnerId"] == na.seller_id
    assert listed["EU"]["sellingPartnerId"] == eu.seller_id
    assert listed["NA"]["marketplaceIds"] == sorted(m.marketplace_id for m in na.marketplaces)
    assert listed["EU"]["marketplaceIds"] == sorted(m.marketplace_id for m in eu.marketplaces)
    assert {m["name"] for m in listed["EU"]["marketplaces"]} == {"Amazon.co.uk", "Amazon.de"}
    assert {m["currency"] for m in listed["EU"]["marketplaces"]} == {"GBP", "EUR"}

    log = httpx.get(url + "/_emulator/requests").json()
    by_seller: dict[str, set[str]] = {}
    for entry in log:
        if entry["seller_id"]:
            by_seller.setdefault(entry["seller_id"], set()).add(entry["path"].split("/")[1])
    # each seller's SP-API calls arrived on its own region's endpoint, and only there
    assert by_seller == {na.seller_id: {"na"}, eu.seller_id: {"eu"}}
    ops = {(e["path"].split("/")[1], e["operation"]) for e in log if e["operation"]}
    for prefix in ("na", "eu"):
        assert (prefix, "getMarketplaceParticipations") in ops
        assert (prefix, "createReport") in ops


def srv_consent(consent_url: str) -> str:
    answer = httpx.get(consent_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location: str = answer.headers["location"]
    return location


def test_a_region_the_deployment_does_not_offer_is_refused() -> None:
    settings = Settings(regions="NA,EU")
    with pytest.raises(oauth.ConnectFailed, match="NA, EU"):
        oauth.region_code(settings, "FE")
    assert oauth.region_code(settings, "eu") == "EU"
    with pytest.raises(ValueError, match="unknown region"):
        Settings(spapi_endpoints={"XX": "http://x"})


def test_one_endpoint_for_all_regions_still_works() -> None:
    legacy = Settings(spapi_endpoint="http://127.0.0.1:9")
    assert {legacy.endpoint_for(r) for r in ("NA", "EU", "FE")} == {"http://127.0.0.1:9"}
    default = Settings()
    assert default.endpoint_for("EU") == "https://sellingpartnerapi-eu.amazon.com"
    assert default.endpoint_for("FE") == "https://sellingpartnerapi-fe.amazon.com"
    both = Settings(spapi_endpoint="http://all", spapi_endpoints={"eu": "http://eu/"})
    assert (both.endpoint_for("NA"), both.endpoint_for("EU")) == ("http://all", "http://eu")
