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

from sellersync.accounts import service as accounts
from sellersync.config import Settings
from sellersync.connections import default_workspace
from sellersync.detect.service import run_detection
from sellersync.store.models import Claim, SyncRun
from tests.conftest import Database
from tests.detect.conftest import DE, Seller, day
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
    # the expired loss is shown apart: never in recoverable, nor in its type's recoverable amount
    assert page["totals"]["byType"]["lost_in_warehouse"] == {"count": 1, "recoverable": {}, "amount": {}}
    assert page["totals"]["byWindow"]["expired"]["count"] == 1
    assert page["totals"]["recoverable"] == {"USD": "12.25"}
    assert page["totals"]["expired"] == {"USD": "15.00"}
    assert page["totals"]["byStatus"] == {"expired": 1, "open": 1}
    only = api.get(
        "/api/claims", params={"type": "lost_in_warehouse", "window": "expired", "sku": "A"}
    ).json()
    assert [c["type"] for c in only["items"]] == ["lost_in_warehouse"]
    assert only["items"][0]["status"] == "expired"
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
    (row,) = [r for r in detail["evidenceRows"] if r["table"] == "inventory_ledger"]
    assert row["referenceId"] == "1000000001" and row["quantity"] == -2 and row["msku"] == "A"
    assert detail["amount"] == "15.00" and detail["evidence"]["valuation"] == "seller_cost"
    assert detail["valuation"] == {
        "method": "seller_cost",
        "unitValue": "7.50",
        "currency": "USD",
        "label": "your unit cost",
    }
    assert detail["caseText"]["language"] == "en" and "1000000001" in detail["caseText"]["body"]
    assert detail["history"] == [] and detail["filing"] is None

    r = api.get("/api/claims/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(x["type"] for x in rows) == ["lost_in_warehouse", "refund_without_return"]
    assert {x["amount"] for x in rows} == {"15.00", "12.25"}
    lost_row = next(x for x in rows if x["type"] == "lost_in_warehouse")
    assert lost_row["status"] == "expired" and lost_row["case_id"] == "" and lost_row["amount_received"] == ""
    assert "lost" in lost_row["case_subject"] and "1000000001" in lost_row["case_text"]
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


# ---------------------------------------------------------------- lifecycle, costs, case text


def _token(db: Database, email: str, role: str) -> str:
    with db.uow() as s:
        ws = default_workspace(s)
        user = accounts.create_user(
            s, email=email, password="a long password 1", workspace=ws.name, role=role
        )
        _, secret = accounts.create_token(s, user.id)
    return secret


def _loss_seller(db: Database, *, cost: Decimal | None = COST) -> tuple[Seller, str]:
    """A seller of the default workspace with one lost-in-warehouse incident of 2 units of SKU A."""
    with db.uow() as s:
        ws_id = default_workspace(s).id
    seller = Seller(db, workspace_id=ws_id)
    seller.ledger(day(0), "A", -2, "M", ref="1000000001")
    if cost is not None:
        seller.product("A", cost=cost)
    seller.flush()
    return seller, _completed_sync(db, seller)


def _detect(api: httpx.Client, today: str = "2026-01-20") -> dict[str, Any]:
    r = api.post("/api/claims/detect", json={"today": today})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _only_claim(api: httpx.Client) -> dict[str, Any]:
    items = api.get("/api/claims").json()["items"]
    assert len(items) == 1, items
    return api.get(f"/api/claims/{items[0]['id']}").json()  # type: ignore[no-any-return]


def test_status_changes_are_checked_audited_and_survive_detection(api: httpx.Client, db: Database) -> None:
    _loss_seller(db)
    _detect(api)
    claim = _only_claim(api)
    cid = claim["id"]
    assert claim["status"] == "open" and claim["amount"] == "15.00" and claim["needsCost"] is False

    _error(api.patch(f"/api/claims/{cid}", json={"status": "reimbursed"}), 400, "invalid_transition")
    _error(
        api.patch(f"/api/claims/{cid}", json={"status": "denied", "reason": "x"}), 400, "invalid_transition"
    )
    _error(api.patch(f"/api/claims/{cid}", json={"status": "filed"}), 400, "validation_error")
    _error(api.patch(f"/api/claims/{cid}", json={"status": "filed", "caseId": "  "}), 400, "validation_error")
    _error(api.patch(f"/api/claims/{cid}", json={"status": "won"}), 400, "validation_error")
    _error(api.patch(f"/api/claims/{cid}", json={"status": "dismissed"}), 400, "validation_error")

    owner = {"Authorization": f"Bearer {_token(db, 'owner@a.test', 'owner')}"}
    r = api.patch(f"/api/claims/{cid}", json={"status": "filed", "caseId": "12345678901"}, headers=owner)
    assert r.status_code == 200, r.text
    filed = r.json()
    assert filed["status"] == "filed" and filed["filing"]["caseId"] == "12345678901"
    assert filed["filing"]["filedBy"] == "owner@a.test" and filed["filing"]["filedAt"]
    assert [(h["from"], h["to"], h["by"], h["note"]) for h in filed["history"]] == [
        ("open", "filed", "owner@a.test", "12345678901")
    ]
    assert api.get("/api/claims", params={"q": "345678"}).json()["total"] == 1  # free text finds the case id
    totals = api.get("/api/claims").json()["totals"]
    assert totals["filed"] == {"USD": "15.00"} and totals["recoverable"] == {}

    # a later detection run (same facts) keeps the person's decision
    _detect(api)
    assert api.get(f"/api/claims/{cid}").json()["status"] == "filed"

    denied = api.patch(f"/api/claims/{cid}", json={"status": "denied", "reason": "Amazon: no loss"}).json()
    assert denied["status"] == "denied"
    assert denied["resolution"]["reason"] == "Amazon: no loss" and denied["resolution"]["by"] == "api-key"
    _detect(api)
    assert api.get(f"/api/claims/{cid}").json()["status"] == "denied"
    assert api.patch(f"/api/claims/{cid}", json={"status": "open"}).json()["status"] == "open"
    dismissed = api.patch(f"/api/claims/{cid}", json={"status": "dismissed", "reason": "sold out"}).json()
    _detect(api)
    after = api.get(f"/api/claims/{cid}").json()
    assert after["status"] == "dismissed" and after["resolution"]["reason"] == "sold out"
    _error(
        api.patch(f"/api/claims/{cid}", json={"status": "filed", "caseId": "1"}), 400, "invalid_transition"
    )
    assert [(h["from"], h["to"]) for h in after["history"]] == [
        ("open", "filed"),
        ("filed", "denied"),
        ("denied", "open"),
        ("open", "dismissed"),
    ]
    assert dismissed["history"] == after["history"]
    assert api.get("/api/claims", params={"status": "dismissed"}).json()["total"] == 1


def test_read_only_users_cannot_change_claims_and_other_workspaces_are_404(
    api: httpx.Client, db: Database
) -> None:
    _loss_seller(db)
    _detect(api)
    cid = _only_claim(api)["id"]
    viewer = {"Authorization": f"Bearer {_token(db, 'viewer@a.test', 'read_only')}"}
    assert api.get(f"/api/claims/{cid}", headers=viewer).status_code == 200
    _error(
        api.patch(f"/api/claims/{cid}", json={"status": "dismissed", "reason": "x"}, headers=viewer),
        403,
        "forbidden",
    )
    _error(
        api.post("/api/claims/costs/import", content="sku,cost,currency\nA,1,USD\n", headers=viewer),
        403,
        "forbidden",
    )
    assert (
        api.get(f"/api/claims/{cid}").json()["status"] == "open"
        and api.get(f"/api/claims/{cid}").json()["history"] == []
    )

    other = Seller(db)
    other.ledger(day(0), "B", -1, "M")
    other.flush()
    run_detection(db.uow, Settings(), connection_id=other.connection_id, sync_id=str(uuid.uuid4()))
    with db.sessions() as s:
        foreign = s.scalar(select(Claim.id).where(Claim.connection_id == other.connection_id))
    _error(api.patch(f"/api/claims/{foreign}", json={"status": "dismissed", "reason": "x"}), 404, "not_found")
    _error(api.patch("/api/claims/abc", json={"status": "open"}), 404, "not_found")


def test_a_later_payment_marks_a_filed_claim_reimbursed_and_a_partial_one_stays_visible(
    api: httpx.Client, db: Database
) -> None:
    seller, _ = _loss_seller(db)
    seller.ledger(day(1), "C", -3, "M", ref="1000000002")
    seller.product("C", cost=Decimal("4.00"))
    seller.flush()
    _detect(api)
    items = {c["sku"]: c for c in api.get("/api/claims").json()["items"]}
    for c in items.values():
        assert (
            api.patch(
                f"/api/claims/{c['id']}", json={"status": "filed", "caseId": f"case-{c['sku']}"}
            ).status_code
            == 200
        )

    # the next sync brings Amazon's payments: all of A, one of the three units of C
    seller.reimbursement(day(10), "Lost_Warehouse", "A", 2, Decimal("7.50"), rid="R-A")
    seller.reimbursement(day(10), "Lost_Warehouse", "C", 1, Decimal("4.00"), rid="R-C")
    seller.flush()
    _detect(api)

    paid = api.get(f"/api/claims/{items['A']['id']}").json()
    assert paid["status"] == "reimbursed"
    assert paid["reimbursed"] == {
        "amountReceived": "15.00",
        "currency": "USD",
        "amountClaimed": "15.00",
        "complete": True,
        "reimbursementIds": ["R-A"],
    }
    assert paid["history"][-1]["from"] == "filed" and paid["history"][-1]["to"] == "reimbursed"
    assert paid["history"][-1]["by"] == "detection"

    partial = api.get(f"/api/claims/{items['C']['id']}").json()
    assert partial["status"] == "filed" and partial["quantity"] == 2 and partial["amount"] == "8.00"
    assert partial["reimbursed"] == {
        "amountReceived": "4.00",
        "currency": "USD",
        "amountClaimed": "12.00",
        "complete": False,
        "reimbursementIds": ["R-C"],
    }
    totals = api.get("/api/claims").json()["totals"]
    assert totals["recovered"] == {"USD": "19.00"} and totals["filed"] == {"USD": "8.00"}
    assert totals["byStatus"] == {"filed": 1, "reimbursed": 1}
    assert api.get("/api/claims", params={"status": "reimbursed"}).json()["total"] == 1
    months = api.get("/api/claims/timeline").json()["months"]
    assert months == [
        {
            "month": "2026-01",
            "recoverable": {},
            "filed": {"USD": "8.00"},
            "recovered": {"USD": "19.00"},
            "byType": {},
        }
    ]
    rows = list(csv.DictReader(io.StringIO(api.get("/api/claims/export").text)))
    assert {(x["sku"], x["status"], x["case_id"], x["amount_received"]) for x in rows} == {
        ("A", "reimbursed", "case-A", "15.00"),
        ("C", "filed", "case-C", "4.00"),
    }


def test_needs_cost_claims_have_no_amount_until_a_cost_is_entered_or_imported(
    api: httpx.Client, db: Database
) -> None:
    seller, _ = _loss_seller(db, cost=None)
    seller.ledger(day(2), "B", -4, "M", ref="1000000003")
    seller.ledger(day(3), "D", -1, "M", ref="1000000004")
    seller.product("D", cost=Decimal("9.99"))
    seller.flush()
    _detect(api)
    page = api.get("/api/claims", params={"sort": "amount"}).json()
    by_sku = {c["sku"]: c for c in page["items"]}
    assert [c["sku"] for c in page["items"]][0] == "D"  # valued first, needs_cost (no amount) last
    for sku in ("A", "B"):
        c = by_sku[sku]
        assert c["amount"] is None and c["needsCost"] is True and c["units"] == c["quantity"]
        assert c["valuation"]["method"] == "unknown" and c["valuation"]["unitValue"] is None
    assert page["totals"]["needsCost"] == {"count": 2, "units": 6}
    assert page["totals"]["recoverable"] == {"USD": "9.99"}
    assert page["totals"]["byType"]["lost_in_warehouse"]["recoverable"] == {"USD": "9.99"}
    assert api.get("/api/claims", params={"needsCost": "true"}).json()["total"] == 2
    text = api.get(f"/api/claims/{by_sku['A']['id']}").json()["caseText"]["body"]
    assert "0.00" not in text and "manufacturing cost" in text
    csv_rows = list(csv.DictReader(io.StringIO(api.get("/api/claims/export").text)))
    assert {x["sku"]: x["amount"] for x in csv_rows} == {"A": "", "B": "", "D": "9.99"}

    # a cost entered on the dashboard re-values the claim at once: no detection run
    r = api.put(
        "/api/claims/products", json={"products": [{"marketplaceId": US, "sku": "A", "unitCost": "6.25"}]}
    )
    assert r.status_code == 200 and r.json()["revalued"] == 1, r.text
    a = api.get(f"/api/claims/{by_sku['A']['id']}").json()
    assert a["amount"] == "12.50" and a["needsCost"] is False and a["valuation"]["method"] == "seller_cost"

    # and so does a CSV import; bad lines come back with their line numbers
    body = "sku,cost,currency\nB,2.5,USD\nZ,1,USD\n,1,USD\nB,abc,USD\nB,1,US\n"
    r = api.post("/api/claims/costs/import", content=body, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["imported"] == 1 and out["revalued"] == 1
    assert [e["line"] for e in out["errors"]] == [3, 4, 5, 6]
    assert "add a marketplace column" in out["errors"][0]["reason"]
    b = api.get(f"/api/claims/{by_sku['B']['id']}").json()
    assert b["amount"] == "10.00" and b["needsCost"] is False
    totals = api.get("/api/claims").json()["totals"]
    assert totals["needsCost"] == {"count": 0, "units": 0} and totals["recoverable"] == {"USD": "32.49"}
    # a later detection run computes the same values
    _detect(api)
    assert api.get("/api/claims").json()["totals"]["recoverable"] == {"USD": "32.49"}
    bad = api.post("/api/claims/costs/import", content="sku,price\nA,1\n").json()
    assert bad["imported"] == 0 and bad["errors"][0]["line"] == 1


def test_filters_sort_and_german_case_text(api: httpx.Client, db: Database) -> None:
    with db.uow() as s:
        ws_id = default_workspace(s).id
    seller = Seller(db, region="EU", workspace_id=ws_id)
    seller.ledger(day(0), "A", -1, "M", ref="2000000001", mkt=DE)
    seller.ledger(day(20), "B", -1, "M", ref="2000000002", mkt=DE)
    seller.product("A", cost=Decimal("3.00"), mkt=DE)
    seller.product("B", cost=Decimal("5.00"), mkt=DE)
    seller.flush()
    _completed_sync(db, seller)
    _detect(api)
    order = [c["sku"] for c in api.get("/api/claims").json()["items"]]
    assert order == ["A", "B"]  # soonest deadline first
    assert [c["sku"] for c in api.get("/api/claims", params={"sort": "-amount"}).json()["items"]] == [
        "B",
        "A",
    ]
    assert api.get("/api/claims", params={"sku": "XB"}).json()["total"] == 1  # the FNSKU
    assert api.get("/api/claims", params={"marketplace": DE, "q": "lost"}).json()["total"] == 2
    _error(api.get("/api/claims", params={"sort": "price"}), 400, "invalid_request")
    cid = api.get("/api/claims", params={"sku": "A"}).json()["items"][0]["id"]
    de = api.get(f"/api/claims/{cid}").json()["caseText"]
    assert de["language"] == "de" and "Erstattungsantrag" in de["subject"] and "2000000001" in de["body"]
    en = api.get(f"/api/claims/{cid}", params={"lang": "en"}).json()["caseText"]
    assert en["language"] == "en" and "Reimbursement request" in en["subject"]
