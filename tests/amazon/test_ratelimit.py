from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellersync.amazon import DEFAULT_LIMITS, Cancelled, CancelToken, RateLimiter, TokenBucket
from sellersync.amazon.ratelimit import parse_rate_header


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ClockedCancel(CancelToken):
    """A CancelToken whose waits advance a fake clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []

    def wait(self, seconds: float) -> None:
        self.raise_if_cancelled()
        self.waits.append(seconds)
        self.clock.advance(seconds)


def test_table_lists_every_operation() -> None:
    expected = {
        "searchOrders", "createReport", "getReport", "getReports",
        "cancelReport", "getReportDocument", "getInventorySummaries", "listFinancialEvents",
        "listFinancialEventGroups", "listTransactions", "getShipments", "getShipmentItems",
        "getShipmentItemsByShipmentId", "getMarketplaceParticipations",
    }  # fmt: skip
    assert expected <= set(DEFAULT_LIMITS)
    assert DEFAULT_LIMITS["searchOrders"].rate == pytest.approx(0.0056)
    assert DEFAULT_LIMITS["searchOrders"].burst == 20
    assert not {"getOrders", "getOrderItems"} & set(DEFAULT_LIMITS)  # Orders v0 is never called
    assert DEFAULT_LIMITS["getInventorySummaries"].burst == 2


def test_bucket_grants_burst_then_paces_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0.5, burst=3, clock=clock)
    assert [bucket.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_acquire() == pytest.approx(2.0)
    clock.advance(1.0)
    assert bucket.try_acquire() == pytest.approx(1.0)
    clock.advance(1.0)
    assert bucket.try_acquire() == 0.0
    clock.advance(1000.0)  # refill never exceeds the burst
    assert bucket.tokens == pytest.approx(3.0)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.01, max_value=50.0),
    burst=st.integers(min_value=1, max_value=40),
    steps=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=30.0), st.integers(min_value=0, max_value=10)),
        max_size=60,
    ),
)
def test_granted_calls_never_exceed_burst_plus_rate_times_elapsed(
    rate: float, burst: int, steps: list[tuple[float, int]]
) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=rate, burst=burst, clock=clock)
    start = clock.now
    granted = 0
    for advance, attempts in steps:
        clock.advance(advance)
        for _ in range(attempts):
            if bucket.try_acquire() == 0.0:
                granted += 1
        assert granted <= burst + rate * (clock.now - start) + 1e-6


@settings(max_examples=100, deadline=None)
@given(
    rate=st.floats(min_value=0.01, max_value=10.0),
    burst=st.integers(min_value=1, max_value=20),
    calls=st.integers(min_value=1, max_value=80),
)
def test_acquire_waits_exactly_what_the_bucket_needs(rate: float, burst: int, calls: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter({"op": DEFAULT_LIMITS["getReport"].__class__(rate, burst)}, clock=clock)
    cancel = ClockedCancel(clock)
    start = clock.now
    for _ in range(calls):
        limiter.acquire("c1", "op", cancel)
    elapsed = clock.now - start
    # the limiter waited no longer than needed and never granted more than the bound allows
    assert calls <= burst + rate * elapsed + 1e-6
    expected_wait = max(0.0, (calls - burst) / rate)
    assert elapsed == pytest.approx(expected_wait, rel=1e-6, abs=calls * 1e-3)


def test_header_corrects_the_rate_per_connection_and_operation() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    assert limiter.rate("c1", "searchOrders") == pytest.approx(0.0056)
    limiter.observe("c1", "searchOrders", "0.5")
    assert limiter.rate("c1", "searchOrders") == pytest.approx(0.5)
    assert limiter.rate("c2", "searchOrders") == pytest.approx(0.0056)  # other connection untouched
    assert limiter.rate("c1", "getReport") == pytest.approx(2.0)
    for junk in (None, "", "abc", "-1", "0", "nan", "inf"):
        limiter.observe("c1", "searchOrders", junk)
        assert limiter.rate("c1", "searchOrders") == pytest.approx(0.5)


def test_parse_rate_header() -> None:
    assert parse_rate_header(" 2.0 ") == 2.0
    assert parse_rate_header("0.0167") == pytest.approx(0.0167)
    assert parse_rate_header("x") is None


def test_penalty_drains_the_bucket_for_a_full_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    cancel = ClockedCancel(clock)
    limiter.acquire("c1", "getReport", cancel)  # plenty of tokens left (burst 15)
    limiter.penalize("c1", "getReport")
    assert limiter.tokens("c1", "getReport") == 0.0
    limiter.acquire("c1", "getReport", cancel)
    assert cancel.waits == [pytest.approx(1 / 2.0)]  # one full refill at 2/s
    # another connection's bucket is unaffected by the penalty
    limiter.acquire("c2", "getReport", cancel)
    assert len(cancel.waits) == 1


def test_connection_view() -> None:
    clock = FakeClock()
    view = RateLimiter(clock=clock).for_connection("c9")
    cancel = ClockedCancel(clock)
    for _ in range(2):
        view.acquire("getInventorySummaries", cancel)
    view.acquire("getInventorySummaries", cancel)
    assert cancel.waits == [pytest.approx(0.5)]
    view.observe("getInventorySummaries", "4")
    assert view.rate("getInventorySummaries") == 4.0


def test_acquire_is_interrupted_by_cancel_from_another_thread() -> None:
    # real clock, a bucket that would make the second call wait ~100 minutes
    limiter = RateLimiter({"slow": DEFAULT_LIMITS["searchOrders"].__class__(1 / 6000, 1)})
    token = CancelToken()
    limiter.acquire("c1", "slow", token)
    started = threading.Event()
    outcome: list[object] = []

    def worker() -> None:
        started.set()
        try:
            limiter.acquire("c1", "slow", token)
        except Cancelled as exc:
            outcome.append(exc)
        else:
            outcome.append("granted")

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert started.wait(30)
    token.cancel()
    thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert math.isclose(limiter.tokens("c1", "slow"), 0.0, abs_tol=0.01)
