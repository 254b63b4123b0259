"""The SP-API client against the real emulator (uvicorn on 127.0.0.1): our peer, never a fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sellersync.amazon import (
    AccessTokenCache,
    AuthorizationRevoked,
    CallStats,
    Cancelled,
    CancelToken,
    DocumentDownloadFailed,
    LwaClient,
    LwaError,
    RateLimiter,
    ReportFailed,
    ReportFetcher,
    RetriesExhausted,
    SpApiClient,
    SpApiError,
)
from sellersync.config import Settings
from tests.support.emulator import OffsetClock, RunningEmulator, run_emulator

ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
SPEED = 1000.0


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    with run_emulator(seed=7, scenario="typical", size="small", speed=SPEED) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_emulator(emu: RunningEmulator) -> Iterator[None]:
    emu.clear_faults()
    emu.reset_limits()
    yield
    emu.clear_faults()


@dataclass
class Api:
    client: SpApiClient
    fetcher: ReportFetcher
    stats: CallStats
    cache: AccessTokenCache
    limiter: RateLimiter
    lwa: LwaClient
    cancel: CancelToken
    http: httpx.Client

    def close(self) -> None:
        self.fetcher.close()
        self.client.close()
        self.http.close()


def make_api(
    emu: RunningEmulator,
    *,
    connection_id: str = "conn-1",
    refresh_token: str | None = None,
    max_retries: int = 6,
    **fetcher_options: Any,
) -> Api:
    settings = Settings(
        spapi_endpoint=emu.base_url,
        lwa_endpoint=emu.token_url,
        report_poll_max_seconds=60.0,
        report_poll_initial_seconds=0.02,
        report_fatal_backoff_seconds=0.01,
        http_timeout_seconds=30.0,
        max_retries=max_retries,
    )
    http = httpx.Client(timeout=30.0)
    lwa = LwaClient(emu.token_url, emu.client_id, emu.client_secret, http)
    cache, limiter, stats, cancel = AccessTokenCache(), RateLimiter(), CallStats(), CancelToken()
    client = SpApiClient(
        emu.base_url,
        connection_id,
        refresh_token or emu.refresh_token,
        lwa,
        cache,
        limiter,
        stats,
        cancel,
        settings=settings,
        http=http,
        backoff_base=0.01,
        backoff_cap=0.2,
    )
    fetcher_options.setdefault("poll_max_interval", 0.2)
    fetcher_options.setdefault("download_backoff", 0.01)
    fetcher = ReportFetcher(client, cancel, settings, **fetcher_options)
    return Api(client, fetcher, stats, cache, limiter, lwa, cancel, http)


@pytest.fixture
def api(emu: RunningEmulator) -> Iterator[Api]:
    made = make_api(emu)
    yield made
    made.close()


def us(emu: RunningEmulator) -> str:
    return emu.marketplace_ids[0]


def anchor(emu: RunningEmulator) -> datetime:
    return emu.world.anchor.astimezone(UTC)


# --- LWA ------------------------------------------------------------------------------------------


def test_refresh_gives_a_token_cached_per_connection(emu: RunningEmulator, api: Api) -> None:
    grant = api.lwa.refresh(emu.refresh_token)
    assert grant.access_token and grant.expires_in == 3600
    assert grant.access_token not in repr(grant)

    participations = api.client.get_marketplace_participations()
    assert {p["marketplace"]["id"] for p in participations} == set(emu.marketplace_ids)
    first = api.cache.get("conn-1")
    assert first is not None
    api.client.get_marketplace_participations()
    assert api.cache.get("conn-1") == first  # no second refresh
    assert api.cache.get("conn-2") is None  # nothing shared with another connection


def test_exchange_code_from_the_consent_page(emu: RunningEmulator, api: Api) -> None:
    redirect = "https://app.example/callback"
    consent = httpx.get(
        emu.base_url + "/apps/authorize/consent",
        params={"application_id": "app", "state": "s1", "redirect_uri": redirect},
    )
    assert consent.status_code == 302
    query = parse_qs(urlsplit(consent.headers["location"]).query)
    grant = api.lwa.exchange_code(query["spapi_oauth_code"][0], redirect)
    assert grant.refresh_token and grant.access_token
    with pytest.raises(LwaError) as used_twice:  # a code works once
        api.lwa.exchange_code(query["spapi_oauth_code"][0], redirect)
    assert used_twice.value.error == "invalid_grant"
    assert not isinstance(used_twice.value, AuthorizationRevoked)


def test_bad_client_secret_is_an_lwa_error(emu: RunningEmulator, api: Api) -> None:
    lwa = LwaClient(emu.token_url, emu.client_id, "wrong-secret", api.http)
    with pytest.raises(LwaError) as err:
        lwa.refresh(emu.refresh_token)
    assert err.value.error == "invalid_client" and "wrong-secret" not in str(err.value)


def test_a_rejected_access_token_is_refreshed_once(emu: RunningEmulator, api: Api) -> None:
    api.cache.put("conn-1", "Atza|stale-token", 3600)
    assert api.client.get_marketplace_participations()
    assert api.cache.get("conn-1") not in (None, "Atza|stale-token")
    assert api.stats.get("getMarketplaceParticipations").calls == 2


# --- Orders ---------------------------------------------------------------------------------------


def test_orders_are_paged_with_the_pagination_token(emu: RunningEmulator, api: Api) -> None:
    mkt = us(emu)
    after, before = anchor(emu) - timedelta(days=30), anchor(emu) - timedelta(days=1)
    expected = emu.world.orders([mkt], created_after=after, created_before=before)
    assert len(expected) > 10
    orders = list(
        api.client.search_orders([mkt], created_after=after, created_before=before, max_results_per_page=10)
    )
    assert [o["orderId"] for o in orders] == [o["AmazonOrderId"] for o in expected]
    assert api.stats.get("searchOrders").calls >= len(expected) // 10
    # the bucket follows the emulator's x-amzn-RateLimit-Limit (its rates run SPEED times faster)
    assert api.limiter.rate("conn-1", "searchOrders") == pytest.approx(0.0056 * SPEED, rel=0.05)
    # items and the asked datasets come in the same answer
    first = orders[0]
    skus = [i["SellerSKU"] for i in emu.world.order_items(first["orderId"]) or []]
    assert [i["product"]["sellerSku"] for i in first["orderItems"]] == skus
    assert {"recipient", "fulfillment"} <= set(first) and "buyer" not in first


def test_a_bad_window_surfaces_amazons_code(emu: RunningEmulator, api: Api) -> None:
    now = datetime.now(UTC)
    with pytest.raises(SpApiError) as err:
        list(api.client.search_orders([us(emu)], created_after=now - timedelta(days=1), created_before=now))
    assert (err.value.status, err.value.code) == (400, "InvalidInput")
    assert err.value.operation == "searchOrders"


def test_bad_marketplace_is_a_400_with_amazons_message(emu: RunningEmulator, api: Api) -> None:
    with pytest.raises(SpApiError) as err:
        api.client.create_report(ORDERS_REPORT, ["NOT-A-MARKETPLACE"])
    assert (err.value.status, err.value.code) == (400, "InvalidInput")
    assert "NOT-A-MARKETPLACE" in str(err.value)
    assert api.stats.get("createReport").errors == 1


# --- Reports --------------------------------------------------------------------------------------


def test_report_is_created_reused_waited_and_streamed_by_header(emu: RunningEmulator, api: Api) -> None:
    mkt = us(emu)
    end = anchor(emu) - timedelta(days=1)
    start = end - timedelta(days=60)
    table = emu.world.report_table(ORDERS_REPORT, [mkt], start, end)
    expected = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert expected

    data = api.fetcher.fetch_rows(ORDERS_REPORT, [mkt], start, end)
    assert not data.no_data and data.document_id
    rows = list(data)
    assert rows == expected
    assert {"amazon-order-id", "sku", "item-price"} <= set(rows[0])

    # another fetcher (a resumed sync) finds the DONE report instead of requesting a new one
    other = make_api(emu, connection_id="conn-1b")
    try:
        assert other.fetcher.find_or_create(ORDERS_REPORT, [mkt], start, end) == data.report_id
        assert other.stats.get("createReport").calls == 0
    finally:
        other.close()


def test_in_flight_report_is_reused(emu: RunningEmulator, api: Api) -> None:
    mkt = us(emu)
    end = anchor(emu) - timedelta(days=200)
    start = end - timedelta(days=20)
    first = api.client.create_report(ORDERS_REPORT, [mkt], start, end)
    assert api.fetcher.find_or_create(ORDERS_REPORT, [mkt], start, end) == first
    outcome = api.fetcher.wait(first)
    assert outcome.status == "DONE" and outcome.document_id


def test_empty_window_is_cancelled_meaning_no_data(emu: RunningEmulator, api: Api) -> None:
    end = anchor(emu) - timedelta(days=690)  # before the world's history
    data = api.fetcher.fetch_rows(ORDERS_REPORT, [us(emu)], end - timedelta(days=10), end)
    assert data.no_data
    assert list(data) == []


def test_fatal_reports_are_retried_then_fail(emu: RunningEmulator) -> None:
    api = make_api(emu, fatal_retries=2)
    try:
        emu.set_faults(fatal_reports_rate=1.0)
        end = anchor(emu) - timedelta(days=30)
        start = end - timedelta(days=30)
        with pytest.raises(ReportFailed) as err:
            api.fetcher.fetch_rows(ORDERS_REPORT, [us(emu)], start, end)
        assert err.value.attempts == 3
        assert (err.value.start, err.value.end) == (start, end)
        assert err.value.report_id
        assert api.stats.get("createReport").calls == 3
    finally:
        api.close()


def test_truncated_downloads_are_fetched_again_reusing_the_url(emu: RunningEmulator) -> None:
    api = make_api(emu, download_retries=10)
    mkt = us(emu)
    end = anchor(emu) - timedelta(days=2)
    start = end - timedelta(days=90)
    table = emu.world.report_table(ORDERS_REPORT, [mkt], start, end)
    expected = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    data = api.fetcher.fetch_rows(ORDERS_REPORT, [mkt], start, end)
    before = emu.stats()
    emu.set_faults(truncate_documents_rate=0.5)
    for _ in range(4):  # several downloads: each one is complete and exact
        assert list(data) == expected
    after = emu.stats()
    assert api.stats.get("downloadReportDocument").retries > 0  # some were cut short
    assert after["counters"]["documents.truncated"] > before["counters"].get("documents.truncated", 0)
    # one getReportDocument for every download and retry: the URL is still valid, so it is reused
    assert api.stats.get("getReportDocument").calls == 1
    server_calls = after["operations"]["getReportDocument"]["calls"]
    assert server_calls - before["operations"].get("getReportDocument", {}).get("calls", 0) == 1
    downloads = after["counters"]["documents.downloads"] - before["counters"].get("documents.downloads", 0)
    assert downloads == api.stats.get("downloadReportDocument").calls > 4
    api.close()


def test_an_expired_url_is_refreshed() -> None:
    clock = OffsetClock()
    with run_emulator(seed=7, scenario="typical", size="small", speed=SPEED, clock=clock) as emu:
        api = make_api(emu)
        try:
            mkt = us(emu)
            end = anchor(emu) - timedelta(days=2)
            start = end - timedelta(days=30)
            table = emu.world.report_table(ORDERS_REPORT, [mkt], start, end)
            expected = [dict(zip(table.header, row, strict=True)) for row in table.rows]
            data = api.fetcher.fetch_rows(ORDERS_REPORT, [mkt], start, end)
            assert list(data) == expected
            assert api.stats.get("getReportDocument").calls == 1
            clock.advance(301)  # Amazon's side: the URL we hold has expired (403 AccessDenied)
            assert list(data) == expected
            stats = emu.stats()
            assert stats["counters"]["documents.expired"] == 1
            assert stats["operations"]["getReportDocument"]["calls"] == 2
            assert api.stats.get("getReportDocument").calls == 2
            assert api.stats.get("downloadReportDocument").retries == 0  # a refresh, not a failure
        finally:
            api.close()


def test_a_url_past_its_lifetime_on_our_clock_is_not_used() -> None:
    clock = OffsetClock()
    with run_emulator(seed=7, scenario="typical", size="small", speed=SPEED) as emu:
        api = make_api(emu, clock=clock)
        try:
            mkt = us(emu)
            end = anchor(emu) - timedelta(days=2)
            data = api.fetcher.fetch_rows(ORDERS_REPORT, [mkt], end - timedelta(days=30), end)
            first = list(data)
            assert first and api.stats.get("getReportDocument").calls == 1
            clock.advance(300 - api.fetcher.url_margin - 1)
            assert list(data) == first
            assert api.stats.get("getReportDocument").calls == 1  # still valid: reused
            clock.advance(2)
            assert list(data) == first
            assert api.stats.get("getReportDocument").calls == 2  # about to expire: a fresh one
            assert emu.stats()["counters"].get("documents.expired", 0) == 0  # never sent stale
        finally:
            api.close()


def test_always_truncated_download_fails_loudly(emu: RunningEmulator) -> None:
    api = make_api(emu, download_retries=2)
    try:
        mkt = us(emu)
        end = anchor(emu) - timedelta(days=3)
        data = api.fetcher.fetch_rows(ORDERS_REPORT, [mkt], end - timedelta(days=30), end)
        emu.set_faults(truncate_documents_rate=1.0)
        with pytest.raises(DocumentDownloadFailed) as err:
            list(data)
        assert err.value.attempts == 3
        assert "truncated" in str(err.value)
    finally:
        api.close()


def test_cancelling_a_sync_ends_report_polling_and_cancels_pending_reports() -> None:
    # speed 1: a report stays in the queue for 10+ seconds, so it is certainly still pending
    with run_emulator(seed=7, scenario="clean", size="small", speed=1.0) as slow:
        api = make_api(slow, poll_max_interval=5.0)
        try:
            end = anchor(slow) - timedelta(days=40)
            report_id = api.client.create_report(ORDERS_REPORT, [us(slow)], end - timedelta(days=5), end)
            outcome: list[object] = []
            entered = threading.Event()

            def poll() -> None:
                entered.set()
                try:
                    outcome.append(api.fetcher.wait(report_id))
                except Cancelled as exc:
                    outcome.append(exc)

            worker = threading.Thread(target=poll, daemon=True)
            worker.start()
            assert entered.wait(30)
            api.cancel.cancel()
            worker.join(30)
            assert not worker.is_alive()
            assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)

            # cleanup runs after the sync's token was cancelled, with a token of its own
            assert api.fetcher.cancel_pending([report_id]) == {report_id: "cancelled"}
            fresh = make_api(slow, connection_id="conn-after")
            try:
                assert fresh.client.get_report(report_id)["processingStatus"] == "CANCELLED"
                # a report that already ended cannot be cancelled: said, not raised
                assert fresh.fetcher.cancel_pending([report_id]) == {report_id: "error: InvalidInput"}
            finally:
                fresh.close()
        finally:
            api.close()


def test_settlement_reports_are_listed_and_read(emu: RunningEmulator, api: Api) -> None:
    reports = api.fetcher.list_settlement_reports(datetime.now(UTC) - timedelta(days=365))
    assert reports, "the world publishes settlements of the last 90 days"
    assert all(r["processingStatus"] == "DONE" for r in reports)
    rows = list(api.fetcher.iter_rows(reports[-1]["reportDocumentId"]))
    assert rows[0]["settlement-id"] and rows[0]["total-amount"]
    assert rows[0]["transaction-type"] == ""  # the summary row
    assert len(rows) > 1


# --- Finances, inventory, inbound -----------------------------------------------------------------


def test_financial_events_inventory_and_inbound(emu: RunningEmulator, api: Api) -> None:
    mkt = us(emu)
    before = anchor(emu) - timedelta(days=1)
    after = before - timedelta(days=30)
    pages = list(api.client.list_financial_events(after, before, max_results_per_page=20))
    got = sum(len(v) for page in pages for v in page.values() if isinstance(v, list))
    assert got == len(emu.world.financial_events(after, before))

    summaries = list(api.client.get_inventory_summaries(mkt))
    assert [s["sellerSku"] for s in summaries] == [s["sellerSku"] for s in emu.world.inventory_summaries(mkt)]
    assert "inventoryDetails" in summaries[0]

    ship_after = anchor(emu) - timedelta(days=200)
    shipments = list(api.client.get_inbound_shipments(mkt, ship_after, before))
    expected = emu.world.inbound_shipments(mkt, ship_after, before)
    assert [s["ShipmentId"] for s in shipments] == [s["ShipmentId"] for s in expected]
    items = api.client.get_inbound_shipment_items(shipments[0]["ShipmentId"], mkt)
    assert items == list(emu.world.inbound_shipment_items(shipments[0]["ShipmentId"]) or [])


# --- faults ---------------------------------------------------------------------------------------


def test_5xx_faults_are_retried_to_success(emu: RunningEmulator) -> None:
    # the emulator's seeded fault stream for searchOrders holds runs of failures: allow 10 retries
    api = make_api(emu, max_retries=10)
    emu.set_faults(error_5xx_rate=0.3)
    mkt = us(emu)
    after, before = anchor(emu) - timedelta(days=60), anchor(emu) - timedelta(days=1)
    orders = list(
        api.client.search_orders([mkt], created_after=after, created_before=before, max_results_per_page=4)
    )
    assert len(orders) == len(emu.world.orders([mkt], created_after=after, created_before=before))
    stats = api.stats.get("searchOrders")
    assert stats.retries > 0 and stats.errors == 0
    api.close()


def test_429_bursts_are_retried_and_counted(emu: RunningEmulator, api: Api) -> None:
    emu.set_faults(throttle_bursts={"getMarketplaceParticipations": 3})
    assert api.client.get_marketplace_participations()
    stats = api.stats.get("getMarketplaceParticipations")
    assert (stats.throttles, stats.retries, stats.calls) == (3, 3, 4)


def test_persistent_5xx_exhausts_the_retries(emu: RunningEmulator) -> None:
    api = make_api(emu, max_retries=2)
    try:
        emu.set_faults(error_5xx_rate=1.0)
        with pytest.raises(RetriesExhausted) as err:
            api.client.get_marketplace_participations()
        assert err.value.attempts == 3
        assert isinstance(err.value.last_error, SpApiError)
        assert err.value.last_error.status in (500, 503)
        assert api.stats.get("getMarketplaceParticipations").errors == 1
    finally:
        api.close()


def test_revoked_authorization(emu: RunningEmulator) -> None:
    # a separate emulator: revocation is permanent for the seller's tokens
    with run_emulator(seed=7, scenario="clean", size="small", speed=SPEED) as own:
        api = make_api(own)
        try:
            assert api.client.get_marketplace_participations()
            own.set_faults(revoke_refresh_tokens=True)
            with pytest.raises(AuthorizationRevoked) as err:
                api.client.get_marketplace_participations()
            assert err.value.connection_id == "conn-1"
            assert own.refresh_token not in str(err.value)
            assert api.stats.get("getMarketplaceParticipations").errors == 1
        finally:
            api.close()
