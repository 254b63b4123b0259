"""Plan a sync as units: (stream, marketplace, date window), each small enough for one request.

A first sync covers the backfill (18 months); a later one starts from each stream's stored cursor less
a small overlap (Amazon publishes some rows late). Windows are aligned to whole days from the start so
the same inputs always give the same units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sellersync.sync.streams import STREAMS, Source, Stream

#: Amazon refuses ``*Before`` times closer than 2 minutes to now.
SAFETY_LAG = timedelta(minutes=3)


@dataclass(frozen=True)
class SettlementListing:
    report_id: str
    document_id: str
    marketplace_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PlannedUnit:
    stream: str
    marketplace_id: str
    window_start: datetime
    window_end: datetime
    weight: float
    report_id: str | None = None


@dataclass(frozen=True)
class PlanInputs:
    now: datetime
    marketplace_ids: Sequence[str]
    backfill_days: int
    overlap: timedelta
    orders_api_hours: int
    checkpoints: Mapping[tuple[str, str], datetime]  # (stream, marketplace_id) -> cursor
    settlements: Sequence[SettlementListing] = ()
    streams: Sequence[str] = ()  # restrict to these streams (empty: all)


def _floor_day(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def posting_month(t: datetime) -> datetime:
    """The start of the UTC calendar month holding ``t``: the posting period of a Finances window.

    Every Finances window lies inside one such month and starts at its start, however a sync was cut
    (backfill floor, checkpoint, overlap, a failed window retried later). So an event Amazon gives no
    PostedDate (ServiceFeeEvent) is dated by its month, and counted among identical events of that
    month: the same event gets the same row key in every sync.
    """
    return t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(t: datetime) -> datetime:
    return (t.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[posting_month(start), end) cut at every month boundary."""
    out: list[tuple[datetime, datetime]] = []
    cur = posting_month(start)
    while cur < end:
        nxt = min(_next_month(cur), end)
        out.append((cur, nxt))
        cur = nxt
    return out


def windows(start: datetime, end: datetime, days: int) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most ``days`` days."""
    out: list[tuple[datetime, datetime]] = []
    step = timedelta(days=days)
    cur = start
    while cur < end:
        nxt = min(cur + step, end)
        out.append((cur, nxt))
        cur = nxt
    return out


def _start_for(stream: Stream, marketplace_id: str, inputs: PlanInputs, floor: datetime) -> datetime:
    cursor = inputs.checkpoints.get((stream.name, marketplace_id))
    if cursor is None:
        return floor
    return max(floor, cursor - inputs.overlap)


def plan(inputs: PlanInputs) -> list[PlannedUnit]:
    end = inputs.now - SAFETY_LAG
    floor = _floor_day(inputs.now - timedelta(days=inputs.backfill_days))
    units: list[PlannedUnit] = []
    for stream in STREAMS:
        if inputs.streams and stream.name not in inputs.streams:
            continue
        markets = list(inputs.marketplace_ids) if stream.per_marketplace else [""]
        for mkt in markets:
            units.extend(_plan_stream(stream, mkt, inputs, floor, end))
    return units


def _plan_stream(
    stream: Stream, mkt: str, inputs: PlanInputs, floor: datetime, end: datetime
) -> list[PlannedUnit]:
    if stream.source is Source.INVENTORY:
        return [PlannedUnit(stream.name, mkt, end, end, stream.weight)]
    if stream.source is Source.ORDERS_API:
        start = end - timedelta(hours=inputs.orders_api_hours)
        return [PlannedUnit(stream.name, mkt, start, end, stream.weight)]
    if stream.source is Source.SETTLEMENT:
        cursor = inputs.checkpoints.get((stream.name, mkt))
        return [
            PlannedUnit(stream.name, mkt, s.start, s.end, stream.weight, report_id=s.report_id)
            for s in sorted(inputs.settlements, key=lambda s: (s.start, s.report_id))
            if s.marketplace_id == mkt and (cursor is None or s.end > cursor - inputs.overlap)
        ]
    start = _start_for(stream, mkt, inputs, floor)
    if stream.source is Source.FINANCES:
        cuts = month_windows(start, end)  # whole posting months: see posting_month()
    else:
        cuts = windows(start, end, stream.window_days)
    return [PlannedUnit(stream.name, mkt, a, b, stream.weight) for a, b in cuts]
