"""Fault injection: 5xx, 429 bursts, latency, truncated documents, FATAL/CANCELLED reports;
reproducible from the seed."""

from __future__ import annotations

import gzip
import time
import zlib
from typing import Any

import httpx
import pytest

from sellersync.emulator.faults import FaultConfig
from tests.emulator.conftest import CheckedApi
from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import run_emulator

US = "ATVPDKIKX0DER"
SELLERS = "/sellers/v1/marketplaceParticipations"
REPORTS = "/reports/2021-06-30/reports"


def _statuses(seed: int, n: int, spapi_models: Any) -> list[int]:
    faults = FaultConfig(error_5xx_rate=0.5)
    with run_emulator(world=FakeWorld(seed=seed), speed=1000.0, faults=faults) as emu:
        a = CheckedApi(emu, spapi_models)
        out = []
        for _ in range(n):
            res = a.call(
                "getInventorySummaries",
                "GET",
                "/fba/inventory/v1/summaries",
                expect=None,
                params={"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US},
            )
            if res.status_code >= 500:
                body = res.json()
                assert body["errors"][0]["code"] in ("InternalFailure", "ServiceUnavailable")
            out.append(res.status_code)
        a.close()
        return out


def test_5xx_faults_are_reproducible_from_the_seed(spapi_models: Any) -> None:
    first = _statuses(3, 30, spapi_models)
    assert set(first) == {200, 500, 503}
    assert _statuses(3, 30, spapi_models) == first
    assert _statuses(4, 30, spapi_models) != first


def test_429_burst_and_latency_at_run_time(spapi_models: Any, fake_emu: Any) -> None:
    a = CheckedApi(fake_emu, spapi_models)
    fake_emu.reset_limits()
    fake_emu.set_faults(reset=True, throttle_bursts={"getMarketplaceParticipations": 3}, latency_ms=5)
    codes = [
        a.call("getMarketplaceParticipations", "GET", SELLERS, expect=None).status_code for _ in range(5)
    ]
    assert codes == [429, 429, 429, 200, 200]
    fake_emu.set_faults(reset=True, throttle_bursts={"*": 1})
    a.get("getMarketplaceParticipations", SELLERS, expect=429)
    a.get("getMarketplaceParticipations", SELLERS)
    fake_emu.clear_faults()
    a.close()


def test_429_rate_throttles_a_share_of_calls_reproducibly(spapi_models: Any) -> None:
    def codes() -> list[int]:
        faults = FaultConfig(throttle_rate=0.3)
        with run_emulator(world=FakeWorld(seed=5), speed=1000.0, faults=faults) as emu:
            a = CheckedApi(emu, spapi_models)
            out = [
                a.call(
                    "getInventorySummaries",
                    "GET",
                    "/fba/inventory/v1/summaries",
                    expect=None,
                    params={"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US},
                ).status_code
                for _ in range(40)
            ]
            a.close()
            return out

    first = codes()
    assert set(first) == {200, 429} and 4 <= first.count(429) <= 20
    assert codes() == first


def _report(a: CheckedApi, report_type: str = "GET_FBA_REIMBURSEMENTS_DATA") -> dict[str, Any]:
    rid = a.call(
        "createReport", "POST", REPORTS, expect=202, json={"reportType": report_type, "marketplaceIds": [US]}
    ).json()["reportId"]
    for _ in range(1000):
        report: dict[str, Any] = a.get("getReport", f"{REPORTS}/{rid}")
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            return report
        time.sleep(0.01)
    raise AssertionError(report)


def test_fatal_and_cancelled_reports(spapi_models: Any, fake_emu: Any) -> None:
    a = CheckedApi(fake_emu, spapi_models)
    fake_emu.set_faults(reset=True, fatal_reports_rate=1.0)
    fatal = _report(a)
    assert fatal["processingStatus"] == "FATAL"
    doc = a.get("getReportDocument", f"/reports/2021-06-30/documents/{fatal['reportDocumentId']}")
    explanation = gzip.decompress(httpx.get(doc["url"]).content).decode()
    assert "failed" in explanation
    fake_emu.set_faults(reset=True, cancelled_reports_rate=1.0)
    cancelled = _report(a)
    assert cancelled["processingStatus"] == "CANCELLED" and "reportDocumentId" not in cancelled
    fake_emu.clear_faults()
    assert _report(a)["processingStatus"] == "DONE"
    a.close()


def test_truncated_document_download(spapi_models: Any, fake_emu: Any) -> None:
    a = CheckedApi(fake_emu, spapi_models)
    fake_emu.clear_faults()
    report = _report(a, "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL")
    doc = a.get("getReportDocument", f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    whole = httpx.get(doc["url"]).content
    fake_emu.set_faults(truncate_documents_rate=1.0)
    cut = httpx.get(doc["url"]).content
    assert 0 < len(cut) < len(whole) and whole.startswith(cut)
    with pytest.raises((EOFError, zlib.error, OSError)):
        gzip.decompress(cut)
    fake_emu.clear_faults()
    assert fake_emu.stats()["counters"]["documents.truncated"] >= 1
    a.close()


def test_fault_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"error_5xx_rate": 2})
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"bogus": True})
