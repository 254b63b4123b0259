"""The job service's guarantees that don't need Amazon: schedules, bounded attempts, one active run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sellersync.config import Settings
from sellersync.connections import add_connection, default_workspace
from sellersync.runtime import build_runtime
from sellersync.store.models import AmazonConnection, SyncRun
from sellersync.store.types import utcnow
from sellersync.sync.runner import EmbeddedRunner
from tests.conftest import Database


def _setup(db: Database) -> tuple[EmbeddedRunner, int, int]:
    rt = build_runtime(Settings(database_url=db.url, secret_key="k", max_attempts=2))
    with rt.uow() as s:
        ws = default_workspace(s)
        conn = add_connection(
            s, rt.box, workspace_id=ws.id, selling_partner_id="A1", region="NA", refresh_token="Atzr|x"
        )
        return EmbeddedRunner(rt.jobs), ws.id, conn.id


def _runs(db: Database) -> list[SyncRun]:
    with db.uow() as s:
        return list(s.scalars(select(SyncRun).order_by(SyncRun.created_at)))


def test_schedule_queues_an_incremental_sync_when_due_and_never_a_second(db: Database) -> None:
    runner, ws, conn = _setup(db)
    runner.schedule()
    assert _runs(db) == []  # a connection never synced waits for its first sync
    with db.uow() as s:
        s.add(
            SyncRun(
                id="r-old",
                workspace_id=ws,
                connection_id=conn,
                status="completed",
                created_at=utcnow() - timedelta(hours=5),
            )
        )
    runner.schedule()
    assert [r.id for r in _runs(db)] == ["r-old"]  # not due yet (every 6 hours)
    with db.uow() as s:
        s.get_one(SyncRun, "r-old").created_at = utcnow() - timedelta(hours=7)
    runner.schedule()
    runner.schedule()  # the first is still queued: no second run
    runs = _runs(db)
    assert [r.trigger for r in runs] == ["manual", "schedule"]
    assert runs[-1].status == "queued"


def test_schedule_can_be_switched_off_per_connection(db: Database) -> None:
    runner, ws, conn = _setup(db)
    with db.uow() as s:
        s.get_one(AmazonConnection, conn).schedule_enabled = False
        s.add(
            SyncRun(
                id="r-old",
                workspace_id=ws,
                connection_id=conn,
                status="completed",
                created_at=utcnow() - timedelta(days=3),
            )
        )
    runner.schedule()
    assert [r.id for r in _runs(db)] == ["r-old"]


def test_a_run_that_keeps_crashing_fails_after_its_attempts(db: Database) -> None:
    runner, ws, conn = _setup(db)
    with db.uow() as s:
        s.add(
            SyncRun(
                id="r-crashy",
                workspace_id=ws,
                connection_id=conn,
                status="running",
                attempt=2,
                lease_owner="dead-worker",
                lease_expires_at=utcnow() - timedelta(seconds=1),
            )
        )
    assert runner.jobs.run("r-crashy") == "failed"
    run = _runs(db)[0]
    assert run.status == "failed" and run.error == "gave up after 2 attempts"


def test_a_live_lease_is_not_taken_over(db: Database) -> None:
    runner, ws, conn = _setup(db)
    with db.uow() as s:
        s.add(
            SyncRun(
                id="r-live",
                workspace_id=ws,
                connection_id=conn,
                status="running",
                attempt=1,
                lease_owner="other-worker",
                lease_expires_at=utcnow() + timedelta(minutes=1),
            )
        )
    assert runner.jobs.run("r-live") is None
    assert _runs(db)[0].lease_owner == "other-worker"
