"""Another writer on a SQLite store: hold its write lock, and wait for the moment to take it."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import select
from sqlalchemy.engine import make_url

from sellersync.runtime import Runtime
from sellersync.store.models import SyncUnit


def sqlite_path(url: str) -> str:
    path = make_url(url).database
    assert path, f"not a SQLite file URL: {url}"
    return path


def hold_write_lock(url: str, seconds: float) -> None:
    """Take the database's write lock (``BEGIN IMMEDIATE``) from another connection for ``seconds``."""
    other = sqlite3.connect(sqlite_path(url), timeout=5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
    finally:
        other.execute("ROLLBACK")
        other.close()


def wait_for_a_done_unit(runtime: Runtime, sync_id: str | None = None, timeout: float = 60.0) -> None:
    """Return once some unit (of ``sync_id``, if given) is committed."""
    done = select(SyncUnit.id).where(SyncUnit.status == "done")
    if sync_id is not None:
        done = done.where(SyncUnit.sync_id == sync_id)
    deadline = time.monotonic() + timeout
    while True:
        with runtime.uow() as s:
            if s.scalars(done).first() is not None:
                return
        assert time.monotonic() < deadline, "no unit was committed in time"
        time.sleep(0.05)
