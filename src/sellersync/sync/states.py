"""The states of a sync run and of its units, and the only code that moves them from one to another.

The values are the strings stored in ``sync_runs.status`` and ``sync_units.status`` (a ``StrEnum`` is a
``str``, so comparisons with stored values hold). Every status change of a run or unit is one of the
named transitions below; nothing else assigns ``status`` on a ``SyncRun`` or ``SyncUnit``.

Run:  queued ─claim─▶ running ─finish─▶ completed | partial | failed | cancelled
      queued ─cancel_queued─▶ cancelled;  failed ─requeue─▶ queued (a retry under the same id)
Unit: pending ─start─▶ running ─done─▶ done
                               ─retry_later / split─▶ pending
                               ─fail─▶ failed;  ─cancel─▶ cancelled
      running | failed | cancelled ─reopen_unfinished─▶ pending (a resumed run runs them again)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from sellersync.store.models import SyncRun, SyncUnit


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class UnitStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: a run in one of these states is over (it may still be queued again for a retry)
TERMINAL: tuple[str, ...] = (RunStatus.COMPLETED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.CANCELLED)
#: the states a run ends in through ``finish``
FINAL = frozenset(TERMINAL)


# --- runs ---------------------------------------------------------------------------------------


def new_run(**values: Any) -> SyncRun:
    """A run as it is created: queued."""
    return SyncRun(**values, status=RunStatus.QUEUED)


def claim(session: Session, sync_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
    """queued, or running under an expired lease → running, ours (atomic: one process wins)."""
    result = session.execute(
        update(SyncRun)
        .where(
            SyncRun.id == sync_id,
            or_(
                SyncRun.status == RunStatus.QUEUED,
                and_(
                    SyncRun.status == RunStatus.RUNNING,
                    or_(SyncRun.lease_expires_at.is_(None), SyncRun.lease_expires_at < now),
                ),
            ),
        )
        .values(status=RunStatus.RUNNING, lease_owner=owner, lease_expires_at=now + lease, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def cancel_queued(run: SyncRun) -> bool:
    """queued → cancelled (nobody runs it yet). False if the run is not queued."""
    if run.status != RunStatus.QUEUED:
        return False
    run.status = RunStatus.CANCELLED
    return True


def finish(run: SyncRun, status: RunStatus) -> None:
    """running → a final state (completed, partial, failed or cancelled)."""
    if status not in FINAL:
        raise ValueError(f"a run cannot finish as {status!r}")
    run.status = status


def requeue(session: Session, sync_id: str, now: datetime) -> bool:
    """failed (its retry due) → queued again under the same id, attempts reset (atomic: one process wins)."""
    result = session.execute(
        update(SyncRun)
        .where(SyncRun.id == sync_id, SyncRun.status == RunStatus.FAILED, SyncRun.next_retry_at <= now)
        .values(
            status=RunStatus.QUEUED,
            attempt=0,
            retries=SyncRun.retries + 1,
            next_retry_at=None,
            completed_at=None,
            error=None,
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


# --- units --------------------------------------------------------------------------------------


def new_unit(**values: Any) -> SyncUnit:
    """A unit as it is planned (or split off): pending."""
    return SyncUnit(**values, status=UnitStatus.PENDING)


def start_unit(unit: SyncUnit, now: datetime) -> None:
    """pending → running (one more attempt)."""
    unit.status = UnitStatus.RUNNING
    unit.attempts += 1
    unit.started_at = now


def unit_done(unit: SyncUnit) -> None:
    """running → done (its rows are written in the same transaction)."""
    unit.status = UnitStatus.DONE


def retry_unit_later(unit: SyncUnit) -> None:
    """running → pending: another go later in this run."""
    unit.status = UnitStatus.PENDING


def split_unit(unit: SyncUnit) -> None:
    """running → pending with a fresh count of attempts (its window was just halved)."""
    unit.status = UnitStatus.PENDING
    unit.attempts = 0


def fail_unit(unit: SyncUnit) -> None:
    """running → failed (the run ends partial or failed; the next sync fetches its window again)."""
    unit.status = UnitStatus.FAILED


def cancel_unit(unit: SyncUnit) -> None:
    """running → cancelled (the run was cancelled or lost its authorization)."""
    unit.status = UnitStatus.CANCELLED


def reopen_unfinished(session: Session, sync_id: str) -> None:
    """running | failed | cancelled → pending: a resumed run runs again what a previous attempt left."""
    session.execute(
        update(SyncUnit)
        .where(
            SyncUnit.sync_id == sync_id,
            SyncUnit.status.in_((UnitStatus.RUNNING, UnitStatus.FAILED, UnitStatus.CANCELLED)),
        )
        .values(status=UnitStatus.PENDING, error=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
