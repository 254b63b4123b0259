"""The SP-API operations over real HTTP against a hand-made world; every answer is validated
against Amazon's model for its operation and status (see ``CheckedApi``)."""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.emulator.conftest import CheckedApi, api
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import OffsetClock, RunningEmulator, run_emulator

US = "ATVPDKIKX0DER"
ORDERS = "/orders/v0/orders"
REPORTS = "/reports/2021-06-30/reports"
FIN = "/finances/v0/financialEvents"
INV = "/fba/inventory/v1/summaries"
SHIP = "/fba/inbound/v0/shipments"


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_report(a: CheckedApi, report_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        report: dict[str, Any] = a.get("getReport", f"{REPORTS}/{report_id}")
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            return report
        assert time.monotonic() < deadline, report
        time.sleep(0.02)


# --- authorization and errors ----------------------------------------------------------------------
def test_missing_or_bad_access_token_is_403(fake_emu: RunningEmulator, spapi_models: Any) -> None:
    from tests.emulator.models import validate

    for headers in ({}, {"x-amz-access-token": "Atza|nope"}):
        res = httpx.get(
            fake_emu.base_url + ORDERS,
            params={"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z"},
            headers=headers,
        )
        assert res.status_code == 403
        assert res.json() == {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": "",
                }
            ]
        }
        assert res.headers["x-amzn-requestid"]
        validate(spapi_models, "getOrders", 403, res.json())


def test_unknown_path_is_404_in_the_errors_shape(fake_emu: RunningEmulator) -> None:
    with api(fake_emu) as c:
        res = c.get("/orders/v0/nothing-here")
    assert res.status_code == 404
    assert res.json()["errors"][0]["code"] == "NotFound"


# --- Orders --------------------------------------------------------------------------------------
def test_get_orders_pages_with_next_token_alone(fake_api: CheckedApi) -> None:
    body = fake_api.get(
        "getOrders",
        ORDERS,
        MarketplaceIds=US,
        CreatedAfter="2000-01-01T00:00:00Z",
        MaxResultsPerPage=100,
    )
    seen = [o["AmazonOrderId"] for o in body["payload"]["Orders"]]
    pages = 1
    while token := body["payload"].get("NextToken"):
        body = fake_api.get("getOrders", ORDERS, NextToken=token)
        seen += [o["AmazonOrderId"] for o in body["payload"]["Orders"]]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert "CreatedBefore" in body["payload"]


def test_get_orders_last_updated_filter(fake_api: CheckedApi, fake_emu: RunningEmulator) -> None:
    world = fake_emu.world
    after = world.anchor - timedelta(days=3)
    body = fake_api.get("getOrders", ORDERS, MarketplaceIds=US, LastUpdatedAfter=iso(after))
    assert body["payload"]["Orders"]
    assert all(o["LastUpdateDate"] >= iso(after) for o in body["payload"]["Orders"])
    assert "LastUpdatedBefore" in body["payload"]


def test_get_orders_rejects_bad_input(fake_api: CheckedApi) -> None:
    now = datetime.now(UTC)
    bad = [
        {"CreatedAfter": "2020-01-01T00:00:00Z"},  # no MarketplaceIds
        {"MarketplaceIds": US},  # neither CreatedAfter nor LastUpdatedAfter
        {"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z", "CreatedBefore": iso(now)},
        {"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": 0},
        {"MarketplaceIds": US, "CreatedAfter": "2020-01-01T00:00:00Z", "MaxResultsPerPage": 101},
        {"MarketplaceIds": US, "CreatedAfter": "yesterday"},
        {"MarketplaceIds": "A1PA6795UKMFR9", "CreatedAfter": "2020-01-01T00:00:00Z"},
        {"NextToken": "forged.token"},
    ]
    for params in bad:
        body = fake_api.get("getOrders", ORDERS, expect=400, **params)
        assert body["errors"][0]["code"] == "InvalidInput", params
    ok = fake_api.get(
        "getOrders",
        ORDERS,
        MarketplaceIds=US,
        CreatedAfter="2020-01-01T00:00:00Z",
        CreatedBefore=iso(now - timedelta(minutes=3)),
        MaxResultsPerPage=1,
    )
    assert len(ok["payload"]["Orders"]) == 1


def test_get_order_items(fake_api: CheckedApi) -> None:
    orders = fake_api.get(
        "getOrders", ORDERS, MarketplaceIds=US, CreatedAfter="2000-01-01", MaxResultsPerPage=1
    )
    order_id = orders["payload"]["Orders"][0]["AmazonOrderId"]
    body = fake_api.get("getOrderItems", f"{ORDERS}/{order_id}/orderItems")
    assert body["payload"]["AmazonOrderId"] == order_id
    assert body["payload"]["OrderItems"]
    missing = fake_api.get("getOrderItems", f"{ORDERS}/999-0000000-0000000/orderItems", expect=404)
    assert missing["errors"][0]["code"] == "NotFound"


# --- Reports -------------------------------------------------------------------------------------
def _create(a: CheckedApi, body: dict[str, Any], expect: int = 202) -> Any:
    return a.call("createReport", "POST", REPORTS, json=body, expect=expect).json()


def test_report_lifecycle_and_document(fake_api: CheckedApi, fake_emu: RunningEmulator) -> None:
    world = fake_emu.world
    start, end = world.anchor - timedelta(days=30), world.anchor
    created = _create(
        fake_api,
        {
            "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
            "marketplaceIds": [US],
            "dataStartTime": iso(start),
            "dataEndTime": iso(end),
        },
    )
    report = wait_report(fake_api, created["reportId"])
    assert report["processingStatus"] == "DONE"
    assert report["reportId"] == created["reportId"]
    assert report["marketplaceIds"] == [US]
    assert {"processingStartTime", "processingEndTime", "reportDocumentId"} <= set(report)
    doc = fake_api.get("getReportDocument", f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    assert doc["compressionAlgorithm"] == "GZIP"
    assert doc["url"].startswith(fake_emu.base_url + "/_emulator/documents/")
    raw = httpx.get(doc["url"])  # a plain GET, no SP-API headers, like a pre-signed S3 URL
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "text/plain; charset=UTF-8"
    assert "content-encoding" not in raw.headers
    text = gzip.decompress(raw.content).decode("utf-8")
    lines = text.splitlines()
    assert lines[0].split("\t") == ["amazon-order-id", "purchase-date", "sku", "quantity", "note"]
    expected = sum(1 for row in world.report_table("GET_X", [US], start, end).rows)
    assert len(lines) - 1 == expected > 0
    assert lines[1].endswith("café")
    again = httpx.get(doc["url"])
    assert again.content == raw.content


def test_report_without_rows_is_cancelled(fake_api: CheckedApi) -> None:
    created = _create(
        fake_api,
        {
            "reportType": "GET_FBA_REIMBURSEMENTS_DATA",
            "marketplaceIds": [US],
            "dataStartTime": "2015-01-01T00:00:00Z",
            "dataEndTime": "2015-02-01T00:00:00Z",
        },
    )
    report = wait_report(fake_api, created["reportId"])
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report


def test_create_report_rejections(fake_api: CheckedApi) -> None:
    for body in (
        {"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "marketplaceIds": [US]},
        {"reportType": "NOT_A_REPORT", "marketplaceIds": [US]},
        {"reportType": "GET_FBA_REIMBURSEMENTS_DATA", "marketplaceIds": []},
        {"marketplaceIds": [US]},
    ):
        res = _create(fake_api, body, expect=400)
        assert res["errors"][0]["code"] == "InvalidInput"
    assert fake_api.get("getReport", f"{REPORTS}/123", expect=404)["errors"][0]["code"] == "NotFound"


def test_get_reports_lists_settlements_and_pages(fake_api: CheckedApi) -> None:
    settlement = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
    body = fake_api.get("getReports", REPORTS, reportTypes=settlement, pageSize=2)
    reports = list(body["reports"])
    while token := body.get("nextToken"):
        bad = fake_api.get("getReports", REPORTS, expect=400, nextToken=token, pageSize=2)
        assert bad["errors"][0]["code"] == "InvalidInput"
        body = fake_api.get("getReports", REPORTS, nextToken=token)
        reports += body["reports"]
    # the fake world has 10 fortnightly settlements; those created in the last 90 days are listed
    assert 5 <= len(reports) <= 7
    assert all(r["processingStatus"] == "DONE" and r["reportDocumentId"] for r in reports)
    created = [r["createdTime"] for r in reports]
    assert created == sorted(created, reverse=True)
    doc = fake_api.get("getReportDocument", f"/reports/2021-06-30/documents/{reports[0]['reportDocumentId']}")
    lines = gzip.decompress(httpx.get(doc["url"]).content).decode().splitlines()
    assert lines[0].startswith("settlement-id")
    assert fake_api.get("getReports", REPORTS, expect=400)["errors"]
    assert fake_api.get(
        "getReports", REPORTS, expect=400, reportTypes=settlement, processingStatuses="BAD_VALUE"
    )["errors"]
    done = fake_api.get(
        "getReports", REPORTS, reportTypes=settlement, processingStatuses="IN_QUEUE,IN_PROGRESS"
    )
    assert done["reports"] == []


def test_cancel_report_and_document_expiry(spapi_models: Any) -> None:
    clock = OffsetClock()
    with run_emulator(world=FakeWorld(), speed=1.0, clock=clock) as emu:
        a = CheckedApi(emu, spapi_models)
        created = _create(a, {"reportType": "GET_FBA_REIMBURSEMENTS_DATA", "marketplaceIds": [US]})
        rid = created["reportId"]
        assert a.get("getReport", f"{REPORTS}/{rid}")["processingStatus"] == "IN_QUEUE"
        res = a.call("cancelReport", "DELETE", f"{REPORTS}/{rid}")
        assert res.content == b""
        assert a.get("getReport", f"{REPORTS}/{rid}")["processingStatus"] == "CANCELLED"
        again = a.call("cancelReport", "DELETE", f"{REPORTS}/{rid}", expect=400).json()
        assert again["errors"][0]["code"] == "InvalidInput"
        # a report created at speed 1 becomes DONE once its (simulated) time has passed
        created = _create(a, {"reportType": "GET_FBA_REIMBURSEMENTS_DATA", "marketplaceIds": [US]})
        clock.advance(200)
        report = a.get("getReport", f"{REPORTS}/{created['reportId']}")
        assert report["processingStatus"] == "DONE"
        doc = a.get("getReportDocument", f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
        assert httpx.get(doc["url"]).status_code == 200
        clock.advance(301)
        expired = httpx.get(doc["url"])
        assert expired.status_code == 403
        assert "<Code>AccessDenied</Code>" in expired.text
        tampered = httpx.get(doc["url"][:-3] + "AAA")
        assert tampered.status_code == 403
        a.close()


# --- Finances ------------------------------------------------------------------------------------
def test_financial_events_pages(fake_api: CheckedApi, fake_emu: RunningEmulator) -> None:
    world = fake_emu.world
    after = world.anchor - timedelta(days=60)
    before = world.anchor - timedelta(hours=1)
    body = fake_api.get(
        "listFinancialEvents", FIN, PostedAfter=iso(after), PostedBefore=iso(before), MaxResultsPerPage=100
    )
    events = body["payload"]["FinancialEvents"]
    assert set(events) >= {"ShipmentEventList", "AdjustmentEventList", "RefundEventList"}
    total = sum(len(v) for v in events.values())
    while token := body["payload"].get("NextToken"):
        body = fake_api.get("listFinancialEvents", FIN, NextToken=token)
        total += sum(len(v) for v in body["payload"]["FinancialEvents"].values())
    assert total == len(world.financial_events(after, before)) > 100


def test_financial_events_limits(fake_api: CheckedApi, fake_emu: RunningEmulator) -> None:
    anchor = fake_emu.world.anchor
    wide = fake_api.get(
        "listFinancialEvents",
        FIN,
        PostedAfter=iso(anchor - timedelta(days=200)),
        PostedBefore=iso(anchor - timedelta(hours=1)),
    )
    assert "NextToken" not in wide["payload"]
    assert all(v == [] for v in wide["payload"]["FinancialEvents"].values())
    for params in (
        {"PostedAfter": iso(anchor - timedelta(days=2)), "PostedBefore": iso(datetime.now(UTC))},
        {"PostedAfter": iso(anchor - timedelta(days=2)), "MaxResultsPerPage": 101},
        {},
    ):
        body = fake_api.get("listFinancialEvents", FIN, expect=400, **params)
        assert body["errors"][0]["code"] == "InvalidInput"


def test_financial_event_groups_from_settlements(fake_api: CheckedApi) -> None:
    body = fake_api.get(
        "listFinancialEventGroups",
        "/finances/v0/financialEventGroups",
        FinancialEventGroupStartedAfter="2020-01-01T00:00:00Z",
        MaxResultsPerPage=4,
    )
    groups = list(body["payload"]["FinancialEventGroupList"])
    while token := body["payload"].get("NextToken"):
        body = fake_api.get("listFinancialEventGroups", "/finances/v0/financialEventGroups", NextToken=token)
        groups += body["payload"]["FinancialEventGroupList"]
    assert len(groups) == 10
    assert groups[0]["OriginalTotal"] == {"CurrencyCode": "USD", "CurrencyAmount": 12.34}
    assert groups[0]["ProcessingStatus"] == "Closed"


# --- FBA Inventory ---------------------------------------------------------------------------------
def test_inventory_summaries_pages_and_details(fake_api: CheckedApi) -> None:
    params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US}
    body = fake_api.get("getInventorySummaries", INV, details="true", **params)
    items = list(body["payload"]["inventorySummaries"])
    assert body["payload"]["granularity"] == {"granularityType": "Marketplace", "granularityId": US}
    while token := body.get("pagination", {}).get("nextToken"):
        body = fake_api.get("getInventorySummaries", INV, details="true", nextToken=token, **params)
        items += body["payload"]["inventorySummaries"]
    assert len(items) == 120 and all("inventoryDetails" in i for i in items)
    plain = fake_api.get("getInventorySummaries", INV, **params)
    assert all("inventoryDetails" not in i for i in plain["payload"]["inventorySummaries"])
    bad = fake_api.get(
        "getInventorySummaries",
        INV,
        expect=400,
        granularityType="Country",
        granularityId=US,
        marketplaceIds=US,
    )
    assert bad["errors"][0]["code"] == "InvalidInput"


def test_inventory_next_token_expires_after_30_seconds(spapi_models: Any) -> None:
    clock = OffsetClock()
    with run_emulator(world=FakeWorld(), speed=1000.0, clock=clock) as emu:
        a = CheckedApi(emu, spapi_models)
        params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US}
        token = a.get("getInventorySummaries", INV, **params)["pagination"]["nextToken"]
        clock.advance(31)
        body = a.get("getInventorySummaries", INV, expect=400, nextToken=token, **params)
        assert "expired" in body["errors"][0]["message"]
        a.close()


# --- FBA Inbound -----------------------------------------------------------------------------------
def test_inbound_shipments_and_items(fake_api: CheckedApi) -> None:
    body = fake_api.get(
        "getShipments",
        SHIP,
        QueryType="DATE_RANGE",
        MarketplaceId=US,
        LastUpdatedAfter="2020-01-01T00:00:00Z",
        LastUpdatedBefore=iso(datetime.now(UTC)),
    )
    shipments = list(body["payload"]["ShipmentData"])
    while token := body["payload"].get("NextToken"):
        body = fake_api.get("getShipments", SHIP, QueryType="NEXT_TOKEN", MarketplaceId=US, NextToken=token)
        shipments += body["payload"]["ShipmentData"]
    assert len(shipments) == 60
    one = fake_api.get(
        "getShipments",
        SHIP,
        QueryType="SHIPMENT",
        MarketplaceId=US,
        ShipmentIdList="FBA000000003,FBA000000004",
    )
    assert [s["ShipmentId"] for s in one["payload"]["ShipmentData"]] == ["FBA000000003", "FBA000000004"]
    items = fake_api.get("getShipmentItemsByShipmentId", f"{SHIP}/FBA000000003/items", MarketplaceId=US)
    assert items["payload"]["ItemData"][0]["QuantityShipped"] == 10
    assert fake_api.get("getShipmentItemsByShipmentId", f"{SHIP}/NOPE/items", expect=404)
    assert fake_api.get("getShipments", SHIP, expect=400, MarketplaceId=US, QueryType="BAD")


# --- Sellers and admin ---------------------------------------------------------------------------
def test_marketplace_participations(fake_api: CheckedApi) -> None:
    body = fake_api.get("getMarketplaceParticipations", "/sellers/v1/marketplaceParticipations")
    assert body["payload"][0]["marketplace"]["id"] == US


def test_admin_endpoints(fake_emu: RunningEmulator) -> None:
    world = fake_emu.admin("GET", "world")
    assert world["seller_id"] == fake_emu.seller_id
    assert world["refresh_token"] == fake_emu.refresh_token
    assert world["marketplaces"][0]["marketplace_id"] == US
    assert fake_emu.admin("GET", "truth") == fake_emu.world.truth()
    faults = fake_emu.set_faults(latency_ms=1, throttle_bursts={"getOrders": 1})
    assert faults["latency_ms"] == 1
    assert fake_emu.admin("GET", "faults")["throttle_bursts"] == {"getOrders": 1}
    fake_emu.clear_faults()
    assert fake_emu.admin("GET", "faults")["latency_ms"] == 0
    res = httpx.post(fake_emu.base_url + "/_emulator/faults", json={"no_such_fault": 1})
    assert res.status_code == 400
    stats = fake_emu.stats()
    assert stats["operations"]["getOrders"]["calls"] >= 1
