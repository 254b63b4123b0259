"""The job service's guarantees that don't need Amazon: schedules, bounded attempts, one active run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sellersync.config import Settings
from sellersync.connections import add_connection, default_workspace
from sellersync.runtime import build_runtime
from sellersync.store.models import AmazonConnection, SyncRun, SyncUnit
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


def _crashed_mid_unit(db: Database, ws: int, conn: int, *, attempt: int, retries: int = 0) -> None:
    """A run whose worker died with a unit half done and nothing committed since it took the run."""
    now = utcnow()
    with db.uow() as s:
        s.add(
            SyncRun(
                id="r-crashy",
                workspace_id=ws,
                connection_id=conn,
                status="running",
                attempt=attempt,
                retries=retries,
                lease_owner="dead-worker",
                claimed_at=now - timedelta(seconds=10),
                lease_expires_at=now - timedelta(seconds=1),
            )
        )
        s.flush()
        s.add(
            SyncUnit(
                sync_id="r-crashy",
                stream="orders",
                marketplace_id="ATVPDKIKX0DER",
                window_start=now - timedelta(days=30),
                window_end=now,
                status="running",
                started_at=now - timedelta(seconds=5),
            )
        )


def test_a_run_that_keeps_crashing_fails_after_its_attempts_and_gets_a_retry_time(db: Database) -> None:
    runner, ws, conn = _setup(db)
    _crashed_mid_unit(db, ws, conn, attempt=2)
    assert runner.jobs.run("r-crashy") == "failed"
    run = _runs(db)[0]
    assert run.status == "failed" and run.error == "gave up after 2 failed attempts"
    assert run.handbacks == 0
    assert run.next_retry_at is not None and run.completed_at is not None
    assert timedelta(seconds=299) < run.next_retry_at - run.completed_at <= timedelta(seconds=301)


def test_a_run_out_of_retries_stays_failed(db: Database) -> None:
    runner, ws, conn = _setup(db)
    _crashed_mid_unit(db, ws, conn, attempt=2, retries=3)  # max_run_retries defaults to 3
    assert runner.jobs.run("r-crashy") == "failed"
    run = _runs(db)[0]
    assert run.next_retry_at is None and "retry" not in run.message
    runner.retry_due(utcnow() + timedelta(days=1))
    assert _runs(db)[0].status == "failed"


def test_a_retry_is_dropped_when_a_newer_sync_exists(db: Database) -> None:
    runner, ws, conn = _setup(db)
    _crashed_mid_unit(db, ws, conn, attempt=2)
    assert runner.jobs.run("r-crashy") == "failed"
    with db.uow() as s:
        s.add(SyncRun(id="r-newer", workspace_id=ws, connection_id=conn, status="completed"))
    runner.retry_due(utcnow() + timedelta(days=1))
    runs = {r.id: r for r in _runs(db)}
    assert runs["r-crashy"].status == "failed" and runs["r-crashy"].next_retry_at is None


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
