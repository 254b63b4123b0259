"""Ending a run: its final status from its units, then one transaction that records how it ended.

The run's status changes through ``states.finish``; this module adds what goes with it (progress,
message, a planned retry, the counts, the connection's last sync, the events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.config import Settings
from sellersync.store.models import AmazonConnection, QuarantinedRow, SyncRun
from sellersync.store.types import utcnow
from sellersync.sync import ledger, states
from sellersync.sync.counts import canonical_counts
from sellersync.sync.progress import percent
from sellersync.sync.states import RunStatus
from sellersync.sync.streams import BY_NAME


def outcome(s: Session, sync_id: str) -> tuple[RunStatus, str | None]:
    """After the last unit: completed if every unit is done, else partial (or failed if none is)."""
    units = ledger.units_of(s, sync_id)
    missing = [u for u in units if u.status != states.UnitStatus.DONE]
    if not missing:
        return RunStatus.COMPLETED, None
    names = "; ".join(
        f"{BY_NAME[u.stream].label} {u.marketplace_id or 'all'} "
        f"{u.window_start:%Y-%m-%d}..{u.window_end:%Y-%m-%d} ({u.error})"
        for u in missing
    )
    status = RunStatus.PARTIAL if len(missing) < len(units) else RunStatus.FAILED
    return status, f"{len(missing)} unit(s) could not be fetched: {names}"


def finish_run(
    s: Session,
    run: SyncRun,
    status: RunStatus,
    error: str | None,
    *,
    settings: Settings,
    merge_api_stats: Callable[[SyncRun], None],
    message: str | None = None,
    retry: bool = False,
) -> None:
    """End the run. ``retry``: a failed run may be queued again by the reaper later (bounded)."""
    units = ledger.units_of(s, run.id)
    states.finish(run, status)
    run.error = error
    run.completed_at = utcnow()
    run.lease_owner = None
    run.lease_expires_at = None
    run.progress = 100.0 if status == RunStatus.COMPLETED else percent(units)
    quarantined = s.scalar(
        select(func.count()).select_from(QuarantinedRow).where(QuarantinedRow.sync_id == run.id)
    )
    rows = sum(u.rows for u in units)
    run.message = message or {
        "completed": f"completed: {rows:,} rows read in {len(units)} units",
        "partial": "completed with missing units",
        "failed": "failed",
    }.get(status, status)
    if status == RunStatus.FAILED and retry:
        when = ledger.plan_retry(
            run,
            max_retries=settings.max_run_retries,
            backoff_seconds=settings.run_retry_backoff_seconds,
        )
        if when is not None:
            run.message += f"; retry {run.retries + 1} of {settings.max_run_retries} at {when:%H:%M:%S}Z"
    merge_api_stats(run)
    run.stats = {
        **(run.stats or {}),
        "units": len(units),
        "rows": rows,
        "quarantined": int(quarantined or 0),
        "counts": canonical_counts(s, run.connection_id),
    }
    ended_well = status in (RunStatus.COMPLETED, RunStatus.PARTIAL)
    if ended_well:
        conn = s.get_one(AmazonConnection, run.connection_id)
        conn.last_synced_at = run.completed_at
    data: dict[str, Any] = {"status": status, "progress": run.progress, "message": run.message}
    if error:
        data["error"] = error
    if run.next_retry_at is not None:
        data["nextRetryAt"] = run.next_retry_at.isoformat().replace("+00:00", "Z")
    ledger.add_event(s, run, f"sync.{'completed' if ended_well else status}", data)
    ledger.add_agent_event(s, run, status, {"rows": rows, "units": len(units), "error": error})
