"""Attempts count failures, not restarts: hand-backs use no attempt (the retry of a run that gave up:
tests/api/test_sync_retry.py)."""

from __future__ import annotations

from threading import Thread

import pytest
from sqlalchemy import select

from sellersync.amazon import CancelToken
from sellersync.store.models import SyncRun
from tests.support.units import done_units, wait_for_done_units
from tests.sync.conftest import SyncEnv
from tests.sync.test_sync_emulator import assert_matches_world


@pytest.mark.parametrize("sync_env", [{"speed": 300.0, "settings": {"max_attempts": 2}}], indirect=True)
def test_five_hand_backs_use_no_attempt_and_the_sync_completes(sync_env: SyncEnv) -> None:
    """Five shutdowns mid-sync (each after one more unit is committed), with two attempts allowed."""
    sync_id = sync_env.runtime.jobs.start(workspace_id=sync_env.workspace_id, trigger="cli")
    for _ in range(5):
        token, result = CancelToken(), list[str | None]()
        worker = Thread(
            target=lambda t=token, r=result: r.append(sync_env.runtime.jobs.run(sync_id, token=t))
        )
        worker.start()
        wait_for_done_units(sync_env.runtime, sync_id, done_units(sync_env.runtime, sync_id) + 1)
        token.cancel()  # what a server's shutdown does to its running syncs
        worker.join(timeout=60)
        assert result == ["interrupted"]
    assert sync_env.runtime.jobs.run(sync_id) == "completed"
    with sync_env.runtime.uow() as s:
        run = s.get_one(SyncRun, sync_id)
        assert (run.attempt, run.handbacks, run.retries) == (1, 5, 0)
        assert [r.id for r in s.scalars(select(SyncRun))] == [sync_id]
    assert_matches_world(sync_env)
