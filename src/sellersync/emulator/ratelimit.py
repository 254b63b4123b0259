"""Per (seller, operation) token buckets with Amazon's published rates and bursts (FACTS §2).

``speed`` multiplies every refill rate (the burst stays); the effective rate is what the emulator
advertises in ``x-amzn-RateLimit-Limit``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .clock import Clock, system_clock

# operation -> (rate per second, burst)
LIMITS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrderItems": (0.5, 30),
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReports": (0.0222, 10),
    "cancelReport": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    "getInventorySummaries": (2.0, 2),
    "listFinancialEvents": (0.5, 30),
    "listFinancialEventGroups": (0.5, 30),
    "getShipments": (2.0, 30),
    "getShipmentItemsByShipmentId": (2.0, 30),
    "getMarketplaceParticipations": (0.016, 15),
}


def format_rate(rate: float) -> str:
    """How the header writes a rate: ``0.0167``, ``2.0``, ``16.7``."""
    text = f"{rate:.6g}"
    return text if ("." in text or "e" in text) else f"{text}.0"


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    def __init__(self, speed: float = 1.0, clock: Clock = system_clock) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()

    def rate(self, operation: str) -> float:
        return LIMITS[operation][0] * self.speed

    def burst(self, operation: str) -> int:
        return LIMITS[operation][1]

    def allow(self, seller_id: str, operation: str) -> bool:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((seller_id, operation))
            if bucket is None:
                bucket = Bucket(self.rate(operation), self.burst(operation), self.burst(operation), now)
                self._buckets[(seller_id, operation)] = bucket
            return bucket.take(now)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
