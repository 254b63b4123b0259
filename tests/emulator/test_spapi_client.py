"""The third-party client python-amazon-sp-api, pointed at the emulator, works unmodified
(only its SP-API endpoint and LWA token host are overridden)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import RunningEmulator, run_emulator

sp_api = pytest.importorskip("sp_api")

from sp_api.api import Orders, Reports  # noqa: E402
from sp_api.auth import AccessTokenClient  # noqa: E402
from sp_api.base import Marketplaces  # noqa: E402


def _clients(emu: RunningEmulator) -> tuple[Orders, Reports, type[AccessTokenClient]]:
    class EmulatorTokenClient(AccessTokenClient):  # type: ignore[misc]
        scheme = "http://"
        host = emu.base_url.removeprefix("http://")

    credentials = {
        "refresh_token": emu.refresh_token,
        "lwa_app_id": emu.client_id,
        "lwa_client_secret": emu.client_secret,
    }
    kwargs: dict[str, Any] = {
        "marketplace": Marketplaces.US,
        "credentials": credentials,
        "auth_token_client_class": EmulatorTokenClient,
    }
    orders, reports = Orders(**kwargs), Reports(**kwargs)
    for client in (orders, reports):
        client.endpoint = emu.base_url
    return orders, reports, EmulatorTokenClient


@pytest.fixture(scope="module")
def emu() -> Any:
    with run_emulator(world=FakeWorld(seed=7, n_orders=230), speed=1000.0) as running:
        yield running


def test_sp_api_refreshes_pages_orders_and_downloads_a_report(emu: RunningEmulator) -> None:
    orders, reports, token_client = _clients(emu)
    # the token refresh goes to the emulator's LWA endpoint
    auth = token_client(credentials=orders.credentials).get_auth()
    assert auth.access_token.startswith("Atza|")

    res = orders.get_orders(CreatedAfter="2000-01-01T00:00:00Z", MaxResultsPerPage=100)
    ids = [o["AmazonOrderId"] for o in res.payload["Orders"]]
    while res.next_token:
        res = orders.get_orders(NextToken=res.next_token)
        ids += [o["AmazonOrderId"] for o in res.payload["Orders"]]
    assert len(ids) == len(set(ids)) == 230
    items = orders.get_order_items(ids[0])
    assert items.payload["AmazonOrderId"] == ids[0]

    anchor = emu.world.anchor
    created = reports.create_report(
        reportType="GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        dataStartTime=(anchor - timedelta(days=20)).isoformat(),
        dataEndTime=anchor.isoformat(),
    )
    report_id = created.payload["reportId"]
    for _ in range(500):
        report = reports.get_report(report_id).payload
        if report["processingStatus"] not in ("IN_QUEUE", "IN_PROGRESS"):
            break
        time.sleep(0.02)
    assert report["processingStatus"] == "DONE"
    document = reports.get_report_document(report["reportDocumentId"], download=True)
    text = document.payload["document"]
    lines = text.splitlines()
    assert lines[0].startswith("amazon-order-id\tpurchase-date")
    assert len(lines) > 1
    assert document.character_code.lower().replace("-", "") == "utf8"
