"""The /metrics totals come from the database's aggregates and equal the sums over every run and unit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sellersync.store.models import AmazonConnection, SyncRun, SyncUnit
from sellersync.store.types import utcnow
from sellersync.sync.metrics import sync_totals
from tests.conftest import Database
from tests.store.test_upsert import _connection

T0 = utcnow().replace(microsecond=0)


def _run(s: Any, ws: int, conn: int, status: str, stats: dict[str, Any] | None) -> str:
    run = SyncRun(id=str(uuid.uuid4()), workspace_id=ws, connection_id=conn, status=status, stats=stats)
    s.add(run)
    s.flush()
    return run.id


def _unit(sync_id: str, stream: str, status: str, written: int, seconds: float | None) -> SyncUnit:
    day = T0 + timedelta(days=written)  # one window per unit
    return SyncUnit(
        sync_id=sync_id,
        stream=stream,
        window_start=day,
        window_end=day + timedelta(days=1),
        status=status,
        written=written,
        started_at=T0 if seconds is not None else None,
        completed_at=T0 + timedelta(seconds=seconds) if seconds is not None else None,
    )


def test_totals_sum_every_run_and_unit(db: Database) -> None:
    conn = _connection(db)
    with db.uow() as s:
        ws = s.get_one(AmazonConnection, conn).workspace_id
        first = {"api": {"createReport": {"calls": 7, "throttles": 2, "retries": 1}}}
        a = _run(s, ws, conn, "completed", first)
        b = _run(
            s,
            ws,
            conn,
            "failed",
            {"api": {"createReport": {"calls": 3}, "getOrders": {"calls": 11, "throttles": 4}}, "counts": {}},
        )
        _run(s, ws, conn, "completed", {})  # no API stats at all
        _run(s, ws, conn, "queued", None)
        s.add_all(
            [
                _unit(a, "orders", "done", 100, 2.5),
                _unit(a, "ledger", "done", 40, 1.25),
                _unit(b, "orders", "done", 5, 0.5),
                _unit(b, "orders", "failed", 999, 9.0),  # not finished: not counted
                _unit(b, "ledger", "pending", 0, None),
            ]
        )
    with db.uow() as s:
        totals = sync_totals(s)
    assert totals.syncs == {"completed": 2, "failed": 1, "queued": 1}
    assert {k: (v.rows_written, v.units) for k, v in totals.streams.items()} == {
        "orders": (105, 2),
        "ledger": (40, 1),
    }
    assert abs(totals.streams["orders"].seconds - 3.0) < 1e-3
    assert abs(totals.streams["ledger"].seconds - 1.25) < 1e-3
    assert {k: (v.calls, v.throttles) for k, v in totals.api.items()} == {
        "createReport": (10, 2),
        "getOrders": (11, 4),
    }


def test_an_empty_store_has_no_totals(db: Database) -> None:
    with db.uow() as s:
        totals = sync_totals(s)
    assert totals.syncs == {} and totals.streams == {} and totals.api == {}
