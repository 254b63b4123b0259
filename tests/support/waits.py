"""Wait for an observed state, never for a stretch of the clock: the timeout only fails the test."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select

from sellersync.store.models import SyncRun, SyncUnit
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork

T = TypeVar("T")


def wait_until(check: Callable[[], T | None], what: str, timeout: float = 120.0, poll: float = 0.05) -> T:
    """``check()``'s first truthy answer; fails the test with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(poll)  # the interval between two looks at the state, not a wait for it


def committed_units(uow: UnitOfWork, sync_id: str) -> int:
    with uow() as s:
        return int(
            s.scalar(select(func.count()).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "done")) or 0
        )


def wait_for_lease_lapse(uow: UnitOfWork, sync_id: str, timeout: float = 60.0) -> None:
    """Return once the run's lease, as stored, has expired (so another worker may claim it)."""

    def lapsed() -> bool:
        with uow() as s:
            expires: datetime | None = s.get_one(SyncRun, sync_id).lease_expires_at
        return expires is None or expires < utcnow()

    wait_until(lapsed, f"the lease of sync {sync_id} to lapse", timeout)
