"""Bulk upsert: idempotent by natural key, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sellersync.store.models import AmazonConnection, Order, Reimbursement, SyncRun, Workspace
from sellersync.store.upsert import upsert
from tests.conftest import Database


def _connection(db: Database) -> int:
    with db.uow() as s:
        ws = Workspace(name="w")
        s.add(ws)
        s.flush()
        conn = AmazonConnection(workspace_id=ws.id, selling_partner_id="A1", region="NA")
        s.add(conn)
        s.flush()
        return conn.id


def _order(conn: int, oid: str, total: str = "10.00", status: str = "Shipped") -> dict[str, Any]:
    return {
        "connection_id": conn,
        "marketplace_id": "ATVPDKIKX0DER",
        "amazon_order_id": oid,
        "purchase_date": datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC),
        "order_status": status,
        "currency": "USD",
        "order_total": Decimal(total),
    }


def test_insert_then_rerun_writes_nothing(db: Database) -> None:
    conn = _connection(db)
    rows = [_order(conn, f"111-0000000-{i:07d}") for i in range(2500)]
    with db.uow() as s:
        first = upsert(s, Order, rows, sync_id="s1")
    with db.uow() as s:
        second = upsert(s, Order, rows, sync_id="s2")
    assert (first.written, second.written) == (2500, 0)
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 2500
        # untouched rows still name the sync that wrote them
        assert s.scalar(select(func.count()).where(Order.sync_id == "s2")) == 0


def test_changed_content_updates_in_place(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        upsert(s, Order, [_order(conn, "111-1"), _order(conn, "111-2")], sync_id="s1")
    with db.uow() as s:
        res = upsert(
            s, Order, [_order(conn, "111-1", "12.34", "Shipped"), _order(conn, "111-2")], sync_id="s2"
        )
    assert res.written == 1
    with db.uow() as s:
        row = s.scalars(select(Order).where(Order.amazon_order_id == "111-1")).one()
        assert row.order_total == Decimal("12.34")
        assert row.sync_id == "s2"
        assert row.purchase_date == datetime(2025, 3, 14, 8, 12, 45, tzinfo=UTC)
        assert s.scalar(select(func.count()).select_from(Order)) == 2


def test_duplicate_keys_in_one_batch_merge_to_the_last(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        res = upsert(s, Order, [_order(conn, "111-1", "1.00"), _order(conn, "111-1", "2.00")], sync_id="s")
    assert (res.received, res.written, res.merged) == (2, 1, 1)
    with db.uow() as s:
        assert s.scalars(select(Order.order_total)).one() == Decimal("2.00")


def test_empty_string_key_parts_collide_as_they_should(db: Database) -> None:
    """Composite keys use '' for absent parts, so an absent SKU can't dodge the constraint like NULL."""
    conn = _connection(db)
    row = {
        "connection_id": conn,
        "reimbursement_id": "R1",
        "approval_date": datetime(2025, 1, 1, tzinfo=UTC),
        "sku": "",
        "condition": "",
        "amount_total": Decimal("5"),
    }
    with db.uow() as s:
        upsert(s, Reimbursement, [row], sync_id="a")
    with db.uow() as s:
        upsert(s, Reimbursement, [{**row, "amount_total": Decimal("6")}], sync_id="b")
    with db.uow() as s:
        assert s.scalars(select(Reimbursement.amount_total)).all() == [Decimal("6")]


def test_unit_of_work_rolls_back_on_error(db: Database) -> None:
    conn = _connection(db)
    with pytest.raises(RuntimeError), db.uow() as s:
        upsert(s, Order, [_order(conn, "111-9")], sync_id="s")
        raise RuntimeError("boom")
    with db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_one_active_run_per_connection_is_enforced_by_the_database(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        ws = s.scalar(select(AmazonConnection.workspace_id))
        s.add(SyncRun(id="r1", workspace_id=ws, connection_id=conn, status="running"))
    with pytest.raises(IntegrityError), db.uow() as s:
        s.add(SyncRun(id="r2", workspace_id=ws, connection_id=conn, status="queued"))
    with db.uow() as s:  # finished runs don't count
        s.get_one(SyncRun, "r1").status = "completed"
        s.add(SyncRun(id="r3", workspace_id=ws, connection_id=conn, status="queued"))
        s.add(SyncRun(id="r4", workspace_id=ws, connection_id=conn, status="failed"))
