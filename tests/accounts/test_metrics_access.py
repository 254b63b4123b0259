"""/metrics spans every workspace: outside development only the operator's scraper reads it."""

from __future__ import annotations

from tests.accounts.conftest import PRODUCTION, accounts_server
from tests.conftest import Database
from tests.support.emulator import RunningEmulator

SCRAPE = "scrape-token-for-tests"


def test_with_a_token_only_that_bearer_reads_metrics(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu, **PRODUCTION, metrics_token=SCRAPE) as server:
        server.user("owner@a.test", "Acme")
        assert server.anonymous().get("/metrics").status_code == 401
        assert server.token_client("wrong").get("/metrics").status_code == 401
        signed_in = server.login("owner@a.test").get("/metrics")  # a workspace's user is not the operator
        assert signed_in.status_code == 401 and signed_in.json()["error"] == "unauthorized"
        ok = server.token_client(SCRAPE).get("/metrics")
        assert ok.status_code == 200 and "sellersync_syncs" in ok.text
        assert server.anonymous().get("/health").status_code == 200  # liveness stays open


def test_production_without_a_token_has_metrics_off(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu, **PRODUCTION) as server:
        off = server.anonymous().get("/metrics")
        assert off.status_code == 404 and off.json()["error"] == "metrics_off"
        assert "SELLERSYNC_METRICS_TOKEN" in off.json()["message"]


def test_development_without_a_token_keeps_metrics_open(db: Database, emu: RunningEmulator) -> None:
    with accounts_server(db.url, emu) as server:
        assert server.anonymous().get("/metrics").status_code == 200
