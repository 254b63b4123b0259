"""The sync API (DESIGN.md "The sync API"): start, status, cancel, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.api.deps import CurrentCaller, DbSession, RuntimeDep, own_connection
from sellersync.api.errors import ApiError, not_found
from sellersync.api.routes.data import MAX_INT4, MAX_OFFSET
from sellersync.store.models import DetectionRun, SyncRun, SyncUnit
from sellersync.sync import ledger
from sellersync.sync.counts import canonical_counts
from sellersync.sync.service import NotConnected, SyncInProgress, SyncNotFound

router = APIRouter(prefix="/api/sync", tags=["sync"])


class StartRequest(BaseModel):
    connectionId: int | None = Field(
        None, ge=1, le=MAX_INT4, description="Defaults to the workspace's Amazon connection."
    )


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None


def sync_view(s: Session, run: SyncRun) -> dict[str, Any]:
    # The detection first, then the run's counts: on PostgreSQL (read committed) each statement sees
    # the newest commit, and a detection commits its claims with the sync's refreshed counts, so a
    # completed detection read here means the counts read after it include its claims.
    detection = _detection_view(s, run.id)
    if detection is not None and detection.get("status") == "completed":
        s.refresh(run, ["status", "stats"])
    stats = run.stats or {}
    counts = stats.get("counts") if run.status in ledger.TERMINAL else None
    return {
        "syncId": run.id,
        "connectionId": run.connection_id,
        "status": run.status,
        "trigger": run.trigger,
        "kind": run.kind,
        "progress": run.progress,
        "message": run.message,
        "createdAt": _iso(run.created_at),
        "startedAt": _iso(run.started_at),
        "completedAt": _iso(run.completed_at),
        "counts": counts or canonical_counts(s, run.connection_id),
        "warnings": run.warnings,
        "error": run.error,
        "attempt": run.attempt,  # failed attempts + the running one; hand-backs don't count
        "handbacks": run.handbacks,  # resumptions after a shutdown, a lost database or an idle worker
        "retries": run.retries,  # times the reaper queued it again after it gave up
        "nextRetryAt": _iso(run.next_retry_at),  # a failed run the reaper will queue again then
        "apiCalls": stats.get("api", {}),
        "detection": detection,
    }


def _detection_view(s: Session, sync_id: str) -> dict[str, Any] | None:
    """The detection job chained after this sync (its own status), if any."""
    det = s.scalars(
        select(DetectionRun).where(DetectionRun.sync_id == sync_id).order_by(DetectionRun.created_at.desc())
    ).first()
    if det is None:
        return None
    return {
        "detectionId": det.id,
        "status": det.status,
        "claimsFound": det.claims_found,
        "recoverable": det.recoverable,
        "completedAt": _iso(det.completed_at),
        "error": det.error,
    }


def _run_of(s: Session, workspace_id: int, sync_id: str) -> SyncRun:
    try:
        uuid.UUID(sync_id)
    except ValueError:
        raise not_found("sync") from None
    run = s.get(SyncRun, sync_id)
    if run is None or run.workspace_id != workspace_id:
        raise not_found("sync")
    return run


@router.post("/start", status_code=202)
def start_sync(
    caller: CurrentCaller,
    runtime: RuntimeDep,
    body: Annotated[StartRequest | None, Body()] = None,
) -> JSONResponse:
    """Queue a sync; 409 with the active sync's id if one is running; 400 without a connection;
    404 for a ``connectionId`` that is not one of the workspace's."""
    connection_id = body.connectionId if body else None
    if connection_id is not None:  # another workspace's connection is as unknown as a missing one
        with runtime.uow() as s:
            own_connection(s, caller, connection_id)
    caller.require_write("start a sync")
    try:
        sync_id = runtime.jobs.start(
            workspace_id=caller.workspace_id,
            connection_id=connection_id,
            trigger="manual",
        )
    except SyncInProgress as exc:
        return JSONResponse(
            {"error": "sync_in_progress", "syncId": exc.sync_id, "message": str(exc)}, status_code=409
        )
    except NotConnected as exc:
        raise ApiError(400, "amazon_not_connected", str(exc)) from None
    return JSONResponse({"syncId": sync_id, "status": "queued"}, status_code=202)


@router.get("/status")
def sync_status(caller: CurrentCaller, s: DbSession) -> dict[str, Any]:
    """Whether a sync is active, and the active (or else the latest) sync."""
    base = select(SyncRun).where(SyncRun.workspace_id == caller.workspace_id)
    active = s.scalars(
        base.where(SyncRun.status.in_(("queued", "running"))).order_by(SyncRun.created_at.desc())
    ).first()
    last = active or s.scalars(base.order_by(SyncRun.created_at.desc())).first()
    return {"hasActiveSync": active is not None, "lastSync": sync_view(s, last) if last else None}


@router.get("/status/{sync_id}")
def sync_status_one(sync_id: str, caller: CurrentCaller, s: DbSession) -> dict[str, Any]:
    """One sync, with its units (stream, window, status, rows)."""
    run = _run_of(s, caller.workspace_id, sync_id)
    units = s.scalars(select(SyncUnit).where(SyncUnit.sync_id == run.id).order_by(SyncUnit.id))
    return {
        **sync_view(s, run),
        "units": [
            {
                "stream": u.stream,
                "marketplaceId": u.marketplace_id,
                "windowStart": _iso(u.window_start),
                "windowEnd": _iso(u.window_end),
                "status": u.status,
                "outcome": u.outcome,
                "rows": u.rows,
                "written": u.written,
                "quarantined": u.quarantined,
                "error": u.error,
            }
            for u in units
        ],
    }


@router.post("/cancel/{sync_id}")
def cancel_sync(sync_id: str, caller: CurrentCaller, runtime: RuntimeDep, s: DbSession) -> dict[str, Any]:
    """Stop a sync within seconds; what it committed stays."""
    run = _run_of(s, caller.workspace_id, sync_id)
    caller.require_write("cancel a sync")
    try:
        status = runtime.jobs.cancel(run.id, workspace_id=caller.workspace_id)
    except SyncNotFound:
        raise not_found("sync") from None
    runner = getattr(runtime, "runner", None)
    if runner is not None:
        runner.cancel_local(run.id)
    return {"syncId": run.id, "status": status if status != "running" else "cancelling"}


@router.get("/history")
def sync_history(
    caller: CurrentCaller,
    s: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Past syncs, newest first."""
    where = SyncRun.workspace_id == caller.workspace_id
    total = s.scalar(select(func.count()).select_from(SyncRun).where(where)) or 0
    runs = s.scalars(
        select(SyncRun).where(where).order_by(SyncRun.created_at.desc()).limit(limit).offset(offset)
    )
    return {"items": [sync_view(s, r) for r in runs], "total": total, "limit": limit, "offset": offset}
