"""Per-operation counters served at ``GET /_emulator/stats``."""

from __future__ import annotations

import threading
from collections import defaultdict


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, dict[str, int]] = defaultdict(
            lambda: {"calls": 0, "throttled": 0, "errors": 0, "ok": 0}
        )
        self._counters: dict[str, int] = defaultdict(int)

    def call(self, operation: str) -> None:
        with self._lock:
            self._ops[operation]["calls"] += 1

    def outcome(self, operation: str, status: int) -> None:
        with self._lock:
            entry = self._ops[operation]
            if status == 429:
                entry["throttled"] += 1
            elif status >= 400:
                entry["errors"] += 1
            else:
                entry["ok"] += 1

    def count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def add(self, name: str, amount: int) -> None:
        with self._lock:
            self._counters[name] += amount

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            ops = {k: dict(v) for k, v in sorted(self._ops.items())}
            return {
                "operations": ops,
                "totals": {
                    "calls": sum(v["calls"] for v in ops.values()),
                    "throttled": sum(v["throttled"] for v in ops.values()),
                    "errors": sum(v["errors"] for v in ops.values()),
                },
                "counters": dict(sorted(self._counters.items())),
            }
