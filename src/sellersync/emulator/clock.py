"""Time source of the emulator: a callable returning POSIX seconds (injectable for tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
