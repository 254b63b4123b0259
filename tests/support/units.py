"""Watch a sync's committed units from the store: the observed moments tests act on."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from sellersync.runtime import Runtime
from sellersync.store.models import SyncUnit


def done_units(runtime: Runtime, sync_id: str) -> int:
    with runtime.uow() as s:
        query = select(func.count()).where(SyncUnit.sync_id == sync_id, SyncUnit.status == "done")
        return int(s.scalar(query) or 0)


def wait_for_done_units(runtime: Runtime, sync_id: str, at_least: int, timeout: float = 60.0) -> int:
    """Return the number of committed units of ``sync_id`` once it reaches ``at_least``."""
    deadline = time.monotonic() + timeout
    while (n := done_units(runtime, sync_id)) < at_least:
        assert time.monotonic() < deadline, f"{n} of {at_least} units committed in {timeout} s"
        time.sleep(0.05)
    return n
