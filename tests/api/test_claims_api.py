"""The claims API over a live server: detect, list with totals, detail with evidence, export, scoping."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from sellersync.config import Settings
from sellersync.connections import default_workspace
from sellersync.detect.service import run_detection
from sellersync.store.models import Claim, SyncRun
from tests.conftest import Database
from tests.detect.conftest import Seller, day
from tests.support.sellersync import API_KEY, run_server

COST = Decimal("7.50")
US = "ATVPDKIKX0DER"


@pytest.fixture
def api(db: Database) -> Iterator[httpx.Client]:
    """The real app under uvicorn on 127.0.0.1, and a client with the API key."""
    settings = Settings(
        database_url=db.url,
        api_key=API_KEY,
        secret_key="test-secret-key",
        reaper_interval_seconds=3600,
        schedule_check_seconds=3600,
    )
    with run_server(settings) as server, server.client() as client:
        yield client


def _completed_sync(db: Database, seller: Seller) -> str:
    sync_id = str(uuid.uuid4())
    with db.uow() as s:
        s.add(
            SyncRun(
                id=sync_id,
                workspace_id=seller.workspace_id,
                connection_id=seller.connection_id,
                status="completed",
                created_at=datetime.now(UTC),
            )
        )
    return sync_id


def _own_seller(db: Database) -> Seller:
    with db.uow() as s:
        ws_id = default_workspace(s).id
    seller = Seller(db, workspace_id=ws_id)
    seller.ledger(day(0), "A", -2, "M", ref="1000000001")
    seller.sale("111-1", "C", day(0), 1, Decimal("20.00"), Decimal("3.00"), Decimal("4.75"))
    seller.refund("111-1", "C", day(5), 1, Decimal("20.00"))
    seller.flush()
    return seller


def _error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == code and body["message"]
    return body


def test_detect_needs_a_connection_and_a_completed_sync(api: httpx.Client, db: Database) -> None:
    _error(api.post("/api/claims/detect"), 400, "amazon_not_connected")
    seller = _own_seller(db)
    _error(api.post("/api/claims/detect", json={}), 409, "no_completed_sync")
    _error(api.post("/api/claims/detect", json={"connectionId": seller.connection_id + 99}), 404, "not_found")
    _error(api.post("/api/claims/detect", json={"today": "not a date"}), 400, "invalid_request")


def test_detect_list_detail_export(api: httpx.Client, db: Database) -> None:
    seller = _own_seller(db)
    sync_id = _completed_sync(db, seller)
    r = api.put(
        "/api/claims/products",
        json={
            "products": [
                {"marketplaceId": "ATVPDKIKX0DER", "sku": "A", "unitCost": "7.50", "currency": "USD"}
            ]
        },
    )
    assert r.status_code == 200 and r.json()["received"] == 1, r.text
    assert api.get("/api/claims/products").json()["items"][0]["unitCost"] == "7.50"

    r = api.post("/api/claims/detect", json={"today": "2026-03-20"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["status"] == "completed" and result["syncId"] == sync_id
    assert result["claimsFound"] == 2 and result["byType"] == {
        "lost_in_warehouse": 1,
        "refund_without_return": 1,
    }
    assert result["recoverable"] == {"USD": "12.25"}  # the refund (open from day 65); the loss expired

    page = api.get("/api/claims").json()
    assert page["total"] == 2 and len(page["items"]) == 2
    assert page["totals"]["byType"]["lost_in_warehouse"] == {"count": 1, "amount": {"USD": "15.00"}}
    assert page["totals"]["byWindow"]["expired"]["count"] == 1
    assert page["totals"]["recoverable"] == {"USD": "12.25"}
    only = api.get(
        "/api/claims", params={"type": "lost_in_warehouse", "window": "expired", "sku": "A"}
    ).json()
    assert [c["type"] for c in only["items"]] == ["lost_in_warehouse"]
    assert api.get("/api/claims", params={"status": "reimbursed"}).json()["total"] == 0
    assert api.get("/api/claims", params={"limit": 1, "offset": 1}).json()["nextOffset"] is None
    for bad in (
        {"type": "stolen"},
        {"window": "soon"},
        {"limit": 0},
        {"sku": "a\x00b"},
        {"connectionId": "x"},
    ):
        _error(api.get("/api/claims", params=bad), 400, "invalid_request")

    lost = only["items"][0]
    detail = api.get(f"/api/claims/{lost['id']}").json()
    assert detail["window"] == {"status": "expired", "opens": "2026-01-01", "deadline": "2026-03-02"}
    (row,) = detail["evidenceRows"]["inventory_ledger"]
    assert row["referenceId"] == "1000000001" and row["quantity"] == -2
    assert detail["amount"] == "15.00" and detail["evidence"]["valuation"] == "seller_cost"

    r = api.get("/api/claims/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(x["type"] for x in rows) == ["lost_in_warehouse", "refund_without_return"]
    assert {x["amount"] for x in rows} == {"15.00", "12.25"}
    assert "ledgerReferenceIds=1000000001" in next(
        x["reference"] for x in rows if x["type"] == "lost_in_warehouse"
    )
    parquet = api.get("/api/claims/export", params={"format": "parquet"})
    assert parquet.status_code == 200
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == len(rows)
    assert sorted(table.column("type").to_pylist()) == sorted(x["type"] for x in rows)
    assert sorted(table.column("amount").to_pylist()) == sorted(x["amount"] for x in rows)
    _error(api.get("/api/claims/export", params={"format": "xlsx"}), 400, "invalid_request")

    runs = api.get("/api/claims/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["claimsFound"] == 2
    assert api.get(f"/api/claims/runs/{result['detectionRunId']}").json()["status"] == "completed"


def test_another_workspaces_claims_are_404(api: httpx.Client, db: Database) -> None:
    other = Seller(db)
    other.ledger(day(0), "A", -1, "M")
    other.flush()
    result = run_detection(db.uow, Settings(), connection_id=other.connection_id, sync_id=str(uuid.uuid4()))
    assert result.claims_found == 1
    with db.sessions() as s:
        claim_id = s.scalar(select(Claim.id))
    _error(api.get(f"/api/claims/{claim_id}"), 404, "not_found")
    _error(api.get(f"/api/claims/runs/{result.detection_run_id}"), 404, "not_found")
    assert api.get("/api/claims").json()["total"] == 0
    for bad in ("abc", "-1", "99999999999999999999", "1.5", "²"):
        _error(api.get(f"/api/claims/{bad}"), 404, "not_found")
    _error(api.get("/api/claims/%00"), 400, "invalid_request")  # a NUL is no text the store holds
    _error(api.get("/api/claims/runs/not-a-uuid"), 404, "not_found")
    _error(api.get("/api/claims", params={"connectionId": other.connection_id}), 404, "not_found")
