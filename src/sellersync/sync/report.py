"""A finished sync summarised from the store: rows per entity, warnings, duration, API calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sellersync.store.models import SyncRun, SyncUnit


@dataclass
class StreamSummary:
    stream: str
    units: int
    done: int
    rows: int
    written: int
    quarantined: int


@dataclass
class SyncSummary:
    sync_id: str
    status: str
    error: str | None
    warnings: int
    duration: timedelta | None
    streams: list[StreamSummary] = field(default_factory=list)


def summarize(session: Session, sync_id: str) -> SyncSummary:
    run = session.get_one(SyncRun, sync_id)
    rows = session.execute(
        select(
            SyncUnit.stream,
            func.count(),
            func.sum(func.cast(SyncUnit.status == "done", SyncUnit.rows.type)),
            func.sum(SyncUnit.rows),
            func.sum(SyncUnit.written),
            func.sum(SyncUnit.quarantined),
        )
        .where(SyncUnit.sync_id == sync_id)
        .group_by(SyncUnit.stream)
        .order_by(SyncUnit.stream)
    ).all()
    duration = (
        run.completed_at - run.started_at
        if run.completed_at is not None and run.started_at is not None
        else None
    )
    return SyncSummary(
        sync_id=run.id,
        status=run.status,
        error=run.error,
        warnings=run.warnings,
        duration=duration,
        streams=[
            StreamSummary(s, int(n), int(d or 0), int(r or 0), int(w or 0), int(q or 0))
            for s, n, d, r, w, q in rows
        ],
    )
