"""The emulator serving the seeded world: every operation's answers validate against Amazon's
models, and the same seed gives the same bytes over HTTP (a different seed, different data)."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.emulator.conftest import CheckedApi
from tests.support.emulator import RunningEmulator, run_emulator

world_pkg = pytest.importorskip("sellersync.emulator.world")

REPORTS = "/reports/2021-06-30/reports"
DOCS = "/reports/2021-06-30/documents"


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait(a: CheckedApi, report_id: str) -> dict[str, Any]:
    for _ in range(2000):
        report: dict[str, Any] = a.get("getReport", f"{REPORTS}/{report_id}")
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            return report
        time.sleep(0.01)
    raise AssertionError(report)


def download_report(a: CheckedApi, body: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    rid = a.call("createReport", "POST", REPORTS, json=body, expect=202).json()["reportId"]
    report = wait(a, rid)
    if report["processingStatus"] != "DONE":
        return report, None
    doc = a.get("getReportDocument", f"{DOCS}/{report['reportDocumentId']}")
    res = httpx.get(doc["url"])
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/plain; charset=")
    return report, res.content


@pytest.fixture(scope="module")
def seeded(spapi_models: Any) -> Any:
    with run_emulator(seed=1, speed=1000.0) as emu:
        a = CheckedApi(emu, spapi_models)
        yield emu, a
        a.close()


def test_every_report_type_downloads_and_parses(seeded: Any) -> None:
    emu, a = seeded
    anchor = emu.world.anchor
    markets = emu.marketplace_ids
    for report_type in world_pkg.REPORT_TYPES:
        report, blob = download_report(
            a,
            {
                "reportType": report_type,
                "marketplaceIds": markets,
                "dataStartTime": iso(anchor - timedelta(days=30)),
                "dataEndTime": iso(anchor),
            },
        )
        assert report["processingStatus"] in ("DONE", "CANCELLED"), report_type
        if blob is not None:
            table = emu.world.report_table(report_type, markets, anchor - timedelta(days=30), anchor)
            text = gzip.decompress(blob).decode(table.charset)
            lines = text.split("\n")
            assert lines[0].split("\t") == list(table.header)
            assert len([x for x in lines[1:] if x]) == sum(1 for _ in table.rows)


def test_every_operation_validates_on_the_seeded_world(seeded: Any) -> None:
    emu, a = seeded
    emu.reset_limits()
    anchor = emu.world.anchor
    market = emu.marketplace_ids[0]
    orders = a.get(
        "getOrders",
        "/orders/v0/orders",
        MarketplaceIds=",".join(emu.marketplace_ids),
        CreatedAfter=iso(anchor - timedelta(days=60)),
        CreatedBefore=iso(anchor),
    )["payload"]["Orders"]
    assert orders
    for order in orders[:10]:
        a.get("getOrderItems", f"/orders/v0/orders/{order['AmazonOrderId']}/orderItems")
    a.get(
        "listFinancialEvents",
        "/finances/v0/financialEvents",
        PostedAfter=iso(anchor - timedelta(days=90)),
        PostedBefore=iso(anchor),
    )
    inv = a.get(
        "getInventorySummaries",
        "/fba/inventory/v1/summaries",
        details="true",
        granularityType="Marketplace",
        granularityId=market,
        marketplaceIds=market,
    )
    assert inv["payload"]["inventorySummaries"]
    ships = a.get(
        "getShipments",
        "/fba/inbound/v0/shipments",
        QueryType="DATE_RANGE",
        MarketplaceId=market,
        LastUpdatedAfter=iso(anchor - timedelta(days=540)),
        LastUpdatedBefore=iso(anchor),
    )["payload"]["ShipmentData"]
    assert ships
    for shipment in ships[:5]:
        a.get("getShipmentItemsByShipmentId", f"/fba/inbound/v0/shipments/{shipment['ShipmentId']}/items")
    a.get("getMarketplaceParticipations", "/sellers/v1/marketplaceParticipations")
    settlements = a.get("getReports", REPORTS, reportTypes="GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2")[
        "reports"
    ]
    if emu.world.anchor.date() == datetime.now(UTC).date():
        assert settlements, "settlements of the last 90 days are listed"
    for report in settlements[:2]:
        doc = a.get("getReportDocument", f"{DOCS}/{report['reportDocumentId']}")
        assert gzip.decompress(httpx.get(doc["url"]).content)


def _fingerprint(emu: RunningEmulator, spapi_models: Any) -> dict[str, bytes]:
    """Raw answer bytes of a fixed sequence of calls."""
    a = CheckedApi(emu, spapi_models)
    anchor = emu.world.anchor
    out: dict[str, bytes] = {}
    params = {
        "MarketplaceIds": ",".join(emu.marketplace_ids),
        "CreatedAfter": iso(anchor - timedelta(days=200)),
        "CreatedBefore": iso(anchor),
        "MaxResultsPerPage": "20",
    }
    for page in range(3):
        res = a.call("getOrders", "GET", "/orders/v0/orders", params=params)
        out[f"orders-{page}"] = res.content
        token = res.json()["payload"].get("NextToken")
        if not token:
            break
        params = {"NextToken": token}
    fin = a.call(
        "getOrders" if False else "listFinancialEvents",
        "GET",
        "/finances/v0/financialEvents",
        params={
            "PostedAfter": iso(anchor - timedelta(days=120)),
            "PostedBefore": iso(anchor),
            "MaxResultsPerPage": "50",
        },
    )
    out["finances"] = fin.content
    _, blob = download_report(
        a,
        {
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
            "marketplaceIds": emu.marketplace_ids,
            "dataStartTime": iso(anchor - timedelta(days=60)),
            "dataEndTime": iso(anchor),
        },
    )
    assert blob is not None
    out["report"] = blob
    a.close()
    return out


def test_same_seed_same_bytes_different_seed_different_data(spapi_models: Any) -> None:
    anchor = datetime(2026, 6, 1, tzinfo=UTC)
    runs = []
    for seed in (5, 5, 6):
        with run_emulator(seed=seed, anchor=anchor, speed=1000.0) as emu:
            runs.append(_fingerprint(emu, spapi_models))
    first, again, other = runs
    assert first == again
    assert first["report"] != other["report"]
    assert first["orders-0"] != other["orders-0"]
    assert first["finances"] != other["finances"]


def test_eu_documents_are_served_in_their_charset(spapi_models: Any) -> None:
    with run_emulator(seed=2, region="EU", speed=1000.0) as emu:
        a = CheckedApi(emu, spapi_models)
        de = "A1PA6795UKMFR9"
        since = iso(datetime.now(UTC) - timedelta(days=89))
        reports = a.get(
            "getReports",
            REPORTS,
            marketplaceIds=de,
            createdSince=since,
            reportTypes="GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        )["reports"]
        if not reports:
            pytest.skip("the EU world has no settlement in the last 90 days")
        meta = {m.marketplace_id: m for m in emu.world.marketplaces}
        for report in reports[:2]:
            charset = meta[report["marketplaceIds"][0]].charset
            doc = a.get("getReportDocument", f"{DOCS}/{report['reportDocumentId']}")
            res = httpx.get(doc["url"])
            assert res.headers["content-type"] == f"text/plain; charset={charset}"
            text = gzip.decompress(res.content).decode(charset)
            assert text.startswith("settlement-id\t")
        a.close()
