"""Repository of the sync ledger (runs, units, checkpoints, events). Takes a session; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sellersync.store.models import (
    AgentEvent,
    AmazonConnection,
    SyncCheckpoint,
    SyncEvent,
    SyncRun,
    SyncUnit,
)
from sellersync.store.types import utcnow
from sellersync.sync import states
from sellersync.sync.planner import PlannedUnit

TERMINAL = states.TERMINAL


def add_event(session: Session, run: SyncRun, type_: str, data: dict[str, Any]) -> SyncEvent:
    event = SyncEvent(
        workspace_id=run.workspace_id, sync_id=run.id, type=type_, data={"syncId": run.id, **data}
    )
    session.add(event)
    return event


def add_agent_event(session: Session, run: SyncRun, outcome: str, payload: dict[str, Any]) -> None:
    session.add(
        AgentEvent(
            workspace_id=run.workspace_id,
            connection_id=run.connection_id,
            sync_id=run.id,
            agent="data_sync",
            outcome=outcome,
            payload=payload,
        )
    )


def claim_lease(
    session: Session, sync_id: str, owner: str, lease: timedelta, *, max_handbacks: int = 100
) -> SyncRun | None:
    """Take the run if it is queued, or running under an expired lease (its worker died or handed it back).

    Taking it over counts a failed attempt only when the previous worker started a unit and died
    without committing one (that unit may be what kills workers); otherwise it was a hand-back: a
    shutdown, the database going away, or a worker lost before it ran a unit or after it made progress.
    """
    now = utcnow()
    before = session.execute(
        select(SyncRun.status, SyncRun.lease_owner, SyncRun.claimed_at).where(SyncRun.id == sync_id)
    ).one_or_none()
    if before is None:
        return None
    if not states.claim(session, sync_id, owner, now, lease):
        return None
    run = session.get_one(SyncRun, sync_id, populate_existing=True)
    if run.started_at is None:
        run.started_at = now
    status, previous_owner, previous_claim = before
    failed = status != "queued" and _attempt_failed(session, sync_id, previous_owner, previous_claim)
    if status == "queued" or run.attempt == 0 or failed or run.handbacks >= max_handbacks:
        run.attempt += 1
    else:
        run.handbacks += 1
    return run


def _attempt_failed(session: Session, sync_id: str, owner: str | None, claimed: datetime | None) -> bool:
    """Did the previous worker start a unit and die without committing any? (None owner: handed back.)"""
    if owner is None or claimed is None:
        return False
    since = (SyncUnit.sync_id == sync_id, SyncUnit.started_at >= claimed)
    started = session.scalar(select(SyncUnit.id).where(*since, SyncUnit.status == "running").limit(1))
    if started is None:
        return False
    committed = session.scalar(
        select(SyncUnit.id).where(SyncUnit.sync_id == sync_id, SyncUnit.completed_at >= claimed).limit(1)
    )
    return committed is None


def hand_back(session: Session, run: SyncRun, message: str) -> None:
    """Let the run's lease lapse now (the reaper or the CLI resumes it); no attempt is used up."""
    run.lease_owner = None
    run.lease_expires_at = utcnow()
    add_event(session, run, "sync.log", {"message": message})


def plan_retry(run: SyncRun, *, max_retries: int, backoff_seconds: float) -> datetime | None:
    """A run that gave up gets a time for the reaper to queue it again (the backoff doubles each time)."""
    if run.retries >= max_retries:
        run.next_retry_at = None
        return None
    run.next_retry_at = utcnow() + timedelta(seconds=backoff_seconds * 2**run.retries)
    return run.next_retry_at


def due_retries(session: Session, now: datetime) -> list[str]:
    return list(
        session.scalars(
            select(SyncRun.id)
            .where(
                SyncRun.status == "failed", SyncRun.next_retry_at.is_not(None), SyncRun.next_retry_at <= now
            )
            .order_by(SyncRun.next_retry_at)
        )
    )


def requeue_for_retry(session: Session, sync_id: str, now: datetime) -> bool:
    """Queue a failed run again under its own id (atomic: one process wins). False if it is not due any more.

    A newer run of the connection, or a connection that is no longer active, makes the retry moot:
    its time is cleared. Raises IntegrityError if another run of the connection is active (the caller
    clears the retry then).
    """
    run = session.get(SyncRun, sync_id)
    if run is None or run.status != "failed" or run.next_retry_at is None or run.next_retry_at > now:
        return False
    newer = session.scalar(
        select(SyncRun.id)
        .where(SyncRun.connection_id == run.connection_id, SyncRun.created_at > run.created_at)
        .limit(1)
    )
    conn = session.get(AmazonConnection, run.connection_id)
    if newer is not None or conn is None or conn.status != "active":
        run.next_retry_at = None
        return False
    error = run.error
    if not states.requeue(session, sync_id, now):
        return False
    session.flush()
    run = session.get_one(SyncRun, sync_id, populate_existing=True)
    text = f"retry {run.retries} after giving up: {error}"
    run.message = text
    add_event(session, run, "sync.log", {"level": "warning", "message": text})
    return True


def clear_retry(session: Session, sync_id: str, why: str) -> None:
    run = session.get(SyncRun, sync_id)
    if run is not None and run.next_retry_at is not None:
        run.next_retry_at = None
        add_event(session, run, "sync.log", {"message": f"not retried: {why}"})


def renew_lease(session: Session, sync_id: str, owner: str, lease: timedelta) -> tuple[bool, bool]:
    """Extend our lease; returns (still ours, cancel requested)."""
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.id == sync_id, SyncRun.lease_owner == owner, SyncRun.status == "running")
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    cancel = session.scalar(select(SyncRun.cancel_requested).where(SyncRun.id == sync_id))
    return result.rowcount == 1, bool(cancel)  # type: ignore[attr-defined]


def units_of(session: Session, sync_id: str) -> list[SyncUnit]:
    return list(session.scalars(select(SyncUnit).where(SyncUnit.sync_id == sync_id).order_by(SyncUnit.id)))


def add_units(session: Session, sync_id: str, planned: Sequence[PlannedUnit]) -> list[SyncUnit]:
    units = [
        states.new_unit(
            sync_id=sync_id,
            stream=p.stream,
            marketplace_id=p.marketplace_id,
            window_start=p.window_start,
            window_end=p.window_end,
            weight=p.weight,
            report_id=p.report_id,
        )
        for p in planned
    ]
    session.add_all(units)
    session.flush()
    return units


def checkpoints(session: Session, connection_id: int) -> dict[tuple[str, str], datetime]:
    rows = session.execute(
        select(SyncCheckpoint.stream, SyncCheckpoint.marketplace_id, SyncCheckpoint.cursor).where(
            SyncCheckpoint.connection_id == connection_id
        )
    )
    return {(s, m): c for s, m, c in rows}


def advance_checkpoint(session: Session, run: SyncRun, unit: SyncUnit) -> None:
    """Move the stream's cursor to the end of the contiguous done prefix of this sync's windows.

    Call after ``unit`` is marked done. A failed window in the middle holds the cursor before it, so
    the next sync fetches it again: no gaps.
    """
    same = (
        SyncUnit.sync_id == run.id,
        SyncUnit.stream == unit.stream,
        SyncUnit.marketplace_id == unit.marketplace_id,
    )
    open_start = session.scalar(
        select(func.min(SyncUnit.window_start)).where(*same, SyncUnit.status != "done")
    )
    if open_start is None:
        cursor = session.scalar(select(func.max(SyncUnit.window_end)).where(*same))
    else:
        earliest = session.scalar(select(func.min(SyncUnit.window_start)).where(*same))
        if earliest is None or open_start <= earliest:
            return
        cursor = open_start
    if cursor is None:
        return
    existing = session.scalars(
        select(SyncCheckpoint).where(
            SyncCheckpoint.connection_id == run.connection_id,
            SyncCheckpoint.stream == unit.stream,
            SyncCheckpoint.marketplace_id == unit.marketplace_id,
        )
    ).one_or_none()
    if existing is None:
        session.add(
            SyncCheckpoint(
                connection_id=run.connection_id,
                stream=unit.stream,
                marketplace_id=unit.marketplace_id,
                cursor=cursor,
                sync_id=run.id,
            )
        )
    elif cursor > existing.cursor:
        existing.cursor = cursor
        existing.sync_id = run.id


def active_run(session: Session, connection_id: int) -> SyncRun | None:
    return session.scalars(
        select(SyncRun).where(
            SyncRun.connection_id == connection_id, SyncRun.status.in_(("queued", "running"))
        )
    ).one_or_none()
