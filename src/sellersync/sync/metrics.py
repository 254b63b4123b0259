"""Totals for ``/metrics``, aggregated by the database so a scrape costs the same after a year of syncs.

Each query returns one row per label (status, stream, operation), never one row per run or unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sellersync.store.models import SyncRun, SyncUnit


@dataclass
class StreamTotals:
    rows_written: int = 0
    units: int = 0
    seconds: float = 0.0


@dataclass
class ApiTotals:
    calls: int = 0
    throttles: int = 0


@dataclass
class SyncTotals:
    syncs: dict[str, int] = field(default_factory=dict)
    streams: dict[str, StreamTotals] = field(default_factory=dict)
    api: dict[str, ApiTotals] = field(default_factory=dict)


def _unit_seconds(dialect: str) -> str:
    if dialect == "postgresql":
        return "EXTRACT(EPOCH FROM (completed_at - started_at))"
    return "(julianday(completed_at) - julianday(started_at)) * 86400.0"


#: Per-operation API counters inside ``sync_runs.stats -> 'api'``, summed over runs.
_API_SQL = {
    "postgresql": """
        SELECT op.key, SUM(COALESCE((op.value ->> 'calls')::bigint, 0)),
               SUM(COALESCE((op.value ->> 'throttles')::bigint, 0))
        FROM sync_runs, json_each(sync_runs.stats -> 'api') AS op
        WHERE json_typeof(sync_runs.stats -> 'api') = 'object'
        GROUP BY op.key""",
    "sqlite": """
        SELECT op.key, SUM(COALESCE(json_extract(op.value, '$.calls'), 0)),
               SUM(COALESCE(json_extract(op.value, '$.throttles'), 0))
        FROM sync_runs, json_each(sync_runs.stats, '$.api') AS op
        WHERE json_type(sync_runs.stats, '$.api') = 'object'
        GROUP BY op.key""",
}


def sync_totals(s: Session) -> SyncTotals:
    dialect = s.get_bind().dialect.name
    out = SyncTotals()
    for status, n in s.execute(select(SyncRun.status, func.count()).group_by(SyncRun.status)):
        out.syncs[status] = int(n)
    seconds = text(f"COALESCE(SUM({_unit_seconds(dialect)}), 0)")
    per_stream = (
        select(SyncUnit.stream, func.coalesce(func.sum(SyncUnit.written), 0), func.count(), seconds)
        .where(SyncUnit.status == "done")
        .group_by(SyncUnit.stream)
    )
    for stream, written, units, secs in s.execute(per_stream):
        out.streams[stream] = StreamTotals(int(written), int(units), float(secs or 0.0))
    for op, calls, throttles in s.execute(text(_API_SQL[dialect])):
        out.api[op] = ApiTotals(int(calls or 0), int(throttles or 0))
    return out
