"""Token buckets per (connection, operation), seeded from the published limits (FACTS §2).

"Pace, don't bounce": every SP-API call first takes a token from its operation's bucket; the rate is
corrected from the ``x-amzn-RateLimit-Limit`` response header, and a 429 drains the bucket so the
next call waits a full refill.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sellersync.amazon.cancel import CancelToken

Clock = Callable[[], float]


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second
    burst: int  # bucket size


# operation name -> published limit (FACTS §1 and §2)
DEFAULT_LIMITS: Mapping[str, Limit] = {
    "searchOrders": Limit(0.0056, 20),  # Orders v2026-01-01 (v0 getOrders/getOrderItems: no longer called)
    "createReport": Limit(0.0167, 15),
    "getReport": Limit(2.0, 15),
    "getReports": Limit(0.0222, 10),
    "cancelReport": Limit(0.0222, 10),
    "getReportDocument": Limit(0.0167, 15),
    "getInventorySummaries": Limit(2.0, 2),
    "listFinancialEvents": Limit(0.5, 30),
    "listFinancialEventGroups": Limit(0.5, 30),
    "listTransactions": Limit(0.5, 10),
    "getShipments": Limit(2.0, 30),
    "getShipmentItems": Limit(2.0, 30),
    "getShipmentItemsByShipmentId": Limit(2.0, 30),
    "getMarketplaceParticipations": Limit(0.016, 15),
}

_EPSILON = 1e-9
# never wait less than this: a smaller wait would not move a float monotonic clock forward
MIN_WAIT_SECONDS = 1e-3

# for an operation missing from the table: conservative
FALLBACK_LIMIT = Limit(0.0167, 1)


class TokenBucket:
    """A token bucket: ``burst`` tokens at most, refilled at ``rate`` tokens per second.

    Not thread-safe by itself; :class:`RateLimiter` serialises access to it.
    """

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def _refill(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now
        return now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_acquire(self) -> float:
        """Take one token if there is one and return 0.0; else return the seconds until there is one."""
        self._refill()
        if self._tokens >= 1.0 - _EPSILON:  # tolerate float rounding of the refill arithmetic
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return max((1.0 - self._tokens) / self.rate, MIN_WAIT_SECONDS)

    def set_rate(self, rate: float) -> None:
        """Change the refill rate (tokens already earned at the old rate are kept)."""
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError("rate must be a positive finite number")
        self._refill()
        self.rate = float(rate)

    def drain(self) -> None:
        """Empty the bucket: the next token is one full refill interval (1/rate) away."""
        self._refill()
        self._tokens = 0.0


def parse_rate_header(value: str | None) -> float | None:
    """The rate of an ``x-amzn-RateLimit-Limit`` header value, or None when absent or unreadable."""
    if value is None:
        return None
    try:
        rate = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(rate) or rate <= 0:
        return None
    return rate


class RateLimiter:
    """Process-wide buckets keyed by (connection id, operation); thread-safe.

    ``scale`` multiplies every seeded rate (the emulator runs its limits faster; the header then
    corrects the rate anyway).
    """

    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        *,
        clock: Clock = time.monotonic,
        scale: float = 1.0,
    ) -> None:
        self._limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._clock = clock
        self._scale = scale
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def _bucket(self, connection_id: str, operation: str) -> TokenBucket:
        key = (connection_id, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            limit = self._limits.get(operation, FALLBACK_LIMIT)
            bucket = TokenBucket(limit.rate * self._scale, limit.burst, self._clock)
            self._buckets[key] = bucket
        return bucket

    def acquire(self, connection_id: str, operation: str, cancel: CancelToken) -> float:
        """Block (interruptibly) until a token is available and take it; returns the seconds waited
        according to the limiter's clock. Raises :class:`Cancelled` when cancelled meanwhile."""
        waited = 0.0
        while True:
            cancel.raise_if_cancelled()
            with self._lock:
                delay = self._bucket(connection_id, operation).try_acquire()
            if delay <= 0.0:
                return waited
            cancel.wait(delay)
            waited += delay

    def observe(self, connection_id: str, operation: str, header_value: str | None) -> None:
        """Follow the ``x-amzn-RateLimit-Limit`` header of a response, when present and readable."""
        rate = parse_rate_header(header_value)
        if rate is None:
            return
        with self._lock:
            bucket = self._bucket(connection_id, operation)
            if not math.isclose(bucket.rate, rate, rel_tol=1e-9):
                bucket.set_rate(rate)

    def penalize(self, connection_id: str, operation: str) -> None:
        """After a 429: drain the bucket so the next call waits a full refill."""
        with self._lock:
            self._bucket(connection_id, operation).drain()

    def rate(self, connection_id: str, operation: str) -> float:
        with self._lock:
            return self._bucket(connection_id, operation).rate

    def tokens(self, connection_id: str, operation: str) -> float:
        with self._lock:
            return self._bucket(connection_id, operation).tokens

    def for_connection(self, connection_id: str) -> ConnectionRateLimiter:
        return ConnectionRateLimiter(self, connection_id)


class ConnectionRateLimiter:
    """The buckets of one connection: ``acquire(operation, cancel)``, ``observe``, ``penalize``."""

    def __init__(self, limiter: RateLimiter, connection_id: str) -> None:
        self.limiter = limiter
        self.connection_id = connection_id

    def acquire(self, operation: str, cancel: CancelToken) -> float:
        return self.limiter.acquire(self.connection_id, operation, cancel)

    def observe(self, operation: str, header_value: str | None) -> None:
        self.limiter.observe(self.connection_id, operation, header_value)

    def penalize(self, operation: str) -> None:
        self.limiter.penalize(self.connection_id, operation)

    def tokens(self, operation: str) -> float:
        """Calls that could be made right now without waiting."""
        return self.limiter.tokens(self.connection_id, operation)

    def rate(self, operation: str) -> float:
        return self.limiter.rate(self.connection_id, operation)
