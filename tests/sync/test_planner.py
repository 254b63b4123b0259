"""The planner: windows within each stream's limits, 18-month backfill, incremental from cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sellersync.sync.planner import SAFETY_LAG, PlanInputs, SettlementListing, plan, posting_month, windows
from sellersync.sync.streams import BY_NAME, STREAMS, Source

NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"


def _inputs(**kw: object) -> PlanInputs:
    base: dict[str, object] = {
        "now": NOW,
        "marketplace_ids": [US, CA],
        "backfill_days": 548,
        "overlap": timedelta(hours=48),
        "orders_api_hours": 6,
        "checkpoints": {},
    }
    base.update(kw)
    return PlanInputs(**base)  # type: ignore[arg-type]


@given(
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1000)),
    days=st.integers(min_value=1, max_value=400),
)
def test_windows_tile_the_range_without_gaps_or_overlaps(start: datetime, span: timedelta, days: int) -> None:
    start = start.replace(tzinfo=UTC)
    ws = windows(start, start + span, days)
    if span == timedelta(0):
        assert ws == []
        return
    assert ws[0][0] == start and ws[-1][1] == start + span
    for (_, b), (c, _) in zip(ws, ws[1:], strict=False):
        assert b == c
    assert all(timedelta(0) < b - a <= timedelta(days=days) for a, b in ws)


def test_first_sync_covers_18_months_for_every_stream_and_marketplace() -> None:
    units = plan(_inputs())
    end = NOW - SAFETY_LAG
    for stream in STREAMS:
        if stream.source in (Source.SETTLEMENT,):
            continue
        markets = [US, CA] if stream.per_marketplace else [""]
        for mkt in markets:
            mine = [u for u in units if u.stream == stream.name and u.marketplace_id == mkt]
            assert mine, (stream.name, mkt)
            assert mine[-1].window_end == end
            if stream.window_days:
                assert mine[0].window_start <= NOW - timedelta(days=548)
                assert all(u.window_end - u.window_start <= timedelta(days=stream.window_days) for u in mine)
    orders = [u for u in units if u.stream == "orders" and u.marketplace_id == US]
    assert len(orders) == 19  # 548 days in windows of 30 (FACTS: ≤30 days advised)
    ledger = [u for u in units if u.stream == "inventory_ledger" and u.marketplace_id == US]
    assert len(ledger) == 2
    finances = [u for u in units if u.stream == "financial_events"]
    assert len(finances) == 19 and all(u.window_start == posting_month(u.window_start) for u in finances)


def test_same_inputs_same_plan() -> None:
    assert plan(_inputs()) == plan(_inputs())


def test_incremental_starts_from_cursor_less_overlap() -> None:
    cursor = NOW - timedelta(days=2)
    units = plan(_inputs(checkpoints={("orders", US): cursor}))
    orders_us = [u for u in units if u.stream == "orders" and u.marketplace_id == US]
    assert [(u.window_start, u.window_end) for u in orders_us] == [
        (cursor - timedelta(hours=48), NOW - SAFETY_LAG)
    ]
    # a stream without a cursor still backfills
    assert len([u for u in units if u.stream == "orders" and u.marketplace_id == CA]) == 19


def test_settlements_come_from_listed_reports_after_the_cursor() -> None:
    old = SettlementListing("r1", "d1", US, NOW - timedelta(days=40), NOW - timedelta(days=26))
    new = SettlementListing("r2", "d2", US, NOW - timedelta(days=26), NOW - timedelta(days=12))
    units = plan(_inputs(settlements=[new, old]))
    assert [u.report_id for u in units if u.stream == "settlements"] == ["r1", "r2"]
    units = plan(_inputs(settlements=[new, old], checkpoints={("settlements", US): NOW - timedelta(days=20)}))
    assert [u.report_id for u in units if u.stream == "settlements"] == ["r2"]


def test_weights_are_positive() -> None:
    assert all(u.weight > 0 for u in plan(_inputs()))
    assert BY_NAME["orders"].window_days == 30


def test_finance_windows_are_whole_posting_months_however_the_sync_was_cut() -> None:
    """A ServiceFeeEvent has no PostedDate: it is dated by its window's month, so every Finances
    window starts at a month's start and ends at the next (or now), for any checkpoint."""
    end = NOW - SAFETY_LAG
    first = {(u.window_start, u.window_end) for u in plan(_inputs()) if u.stream == "financial_events"}
    for days_back in (0.5, 3, 17, 40, 100):
        cursor = NOW - timedelta(days=days_back)
        units = plan(_inputs(checkpoints={("financial_events", ""): cursor}))
        fin = [(u.window_start, u.window_end) for u in units if u.stream == "financial_events"]
        assert fin[0][0] == posting_month(cursor - timedelta(hours=48))
        assert fin[-1][1] == end
        assert set(fin) <= first  # the very windows a first sync cuts
        for a, b in fin:
            assert a == posting_month(a) and (b == end or b == posting_month(b)) and a < b
            assert posting_month(b - timedelta(microseconds=1)) == a
