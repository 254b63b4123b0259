"""Repository of the sync ledger (runs, units, checkpoints, events). Takes a session; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from sellersync.store.models import AgentEvent, SyncCheckpoint, SyncEvent, SyncRun, SyncUnit
from sellersync.store.types import utcnow
from sellersync.sync.planner import PlannedUnit

TERMINAL = ("completed", "partial", "failed", "cancelled")


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


def claim_lease(session: Session, sync_id: str, owner: str, lease: timedelta) -> SyncRun | None:
    """Take the run if it is queued, or running under an expired lease (its worker died)."""
    now = utcnow()
    result = session.execute(
        update(SyncRun)
        .where(
            SyncRun.id == sync_id,
            or_(
                SyncRun.status == "queued",
                and_(
                    SyncRun.status == "running",
                    or_(SyncRun.lease_expires_at.is_(None), SyncRun.lease_expires_at < now),
                ),
            ),
        )
        .values(
            status="running",
            lease_owner=owner,
            lease_expires_at=now + lease,
            attempt=SyncRun.attempt + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    run = session.get_one(SyncRun, sync_id, populate_existing=True)
    if run.started_at is None:
        run.started_at = now
    return run


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
        SyncUnit(
            sync_id=sync_id,
            stream=p.stream,
            marketplace_id=p.marketplace_id,
            window_start=p.window_start,
            window_end=p.window_end,
            weight=p.weight,
            report_id=p.report_id,
            status="pending",
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


def reopen_unfinished(session: Session, sync_id: str) -> None:
    """Units a previous attempt left running, failed or cancelled are run again (their writes rolled back)."""
    session.execute(
        update(SyncUnit)
        .where(SyncUnit.sync_id == sync_id, SyncUnit.status.in_(("running", "failed", "cancelled")))
        .values(status="pending", error=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
