"""A large world generates only the days a window needs."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

from sellersync.emulator.world import build_world
from sellersync.emulator.world.formats import ALL_ORDERS_BY_DATE, LEDGER

from .conftest import ANCHOR


def test_large_world_window_generates_only_needed_days() -> None:
    w = build_world(seed=5, size="large", anchor=ANCHOR)
    assert sum(w.plan.day_counts) > 1_000_000
    assert w.days_generated == 0
    start = ANCHOR - timedelta(days=30)
    t = w.report_table(ALL_ORDERS_BY_DATE, ["ATVPDKIKX0DER"], start, ANCHOR)
    assert w.days_generated == 0  # nothing happens before the rows are read
    rows = list(islice(t.rows, 200))
    assert len(rows) == 200
    assert w.days_generated == 1
    assert all(r[2] >= start.strftime("%Y-%m-%d") for r in rows)


def test_window_lookback_is_bounded() -> None:
    w = build_world(seed=5, size=5_000, anchor=ANCHOR)
    start = ANCHOR - timedelta(days=40)
    rows = list(w.report_table(LEDGER, ["ATVPDKIKX0DER"], start, start + timedelta(days=5)).rows)
    assert rows
    assert w.days_generated <= 5 + 1 + 75  # the window plus the horizon, never the whole history
    assert w.days_generated < w.history.days


def test_integer_size_is_the_order_count() -> None:
    w = build_world(seed=2, size=1234, anchor=ANCHOR)
    assert w.truth()["totals"]["orders"]["orders"] == 1234
