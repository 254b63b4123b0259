"""Per-operation call counters, shared by the sync summary and ``/metrics``."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class OperationStats:
    calls: int = 0  # HTTP requests sent (every attempt counts)
    throttles: int = 0  # 429 answers
    retries: int = 0  # attempts repeated after a retryable failure
    errors: int = 0  # calls that finally failed (non-retryable error or retries exhausted)

    def copy(self) -> OperationStats:
        return OperationStats(self.calls, self.throttles, self.retries, self.errors)


class CallStats:
    """Thread-safe counters of calls, throttles, retries and errors per SP-API operation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, OperationStats] = {}

    def _get(self, operation: str) -> OperationStats:
        stats = self._ops.get(operation)
        if stats is None:
            stats = self._ops[operation] = OperationStats()
        return stats

    def record_call(self, operation: str) -> None:
        with self._lock:
            self._get(operation).calls += 1

    def record_throttle(self, operation: str) -> None:
        with self._lock:
            self._get(operation).throttles += 1

    def record_retry(self, operation: str) -> None:
        with self._lock:
            self._get(operation).retries += 1

    def record_error(self, operation: str) -> None:
        with self._lock:
            self._get(operation).errors += 1

    def snapshot(self) -> dict[str, OperationStats]:
        """A consistent copy of every operation's counters."""
        with self._lock:
            return {op: stats.copy() for op, stats in self._ops.items()}

    def get(self, operation: str) -> OperationStats:
        with self._lock:
            stats = self._ops.get(operation)
            return stats.copy() if stats else OperationStats()

    def totals(self) -> OperationStats:
        with self._lock:
            total = OperationStats()
            for stats in self._ops.values():
                total.calls += stats.calls
                total.throttles += stats.throttles
                total.retries += stats.retries
                total.errors += stats.errors
            return total
