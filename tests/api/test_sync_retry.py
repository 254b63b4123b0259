"""A sync that gave up is queued again by the server's reaper, with backoff, under the same id."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from sellersync.store.models import SyncRun
from tests.api.conftest import ApiEnv
from tests.api.test_sync_api import _as_sync_env, _wait_until
from tests.sync.test_sync_emulator import assert_matches_world


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("api_env", [{"settings": {"run_retry_backoff_seconds": 1.0}}], indirect=True)
def test_a_run_that_gave_up_is_retried_by_the_reaper_with_backoff(api_env: ApiEnv) -> None:
    """Amazon answers only 5xx: the run fails, is retried after 1 s, fails, after 2 s, then completes."""
    api_env.emu.set_faults(error_5xx_rate=1.0)
    with api_env.server.client() as client:
        sync_id = client.post("/api/sync/start").json()["syncId"]
        gaps = []
        for retries in (0, 1):
            body = _wait_until(
                client, sync_id, lambda b, n=retries: b["status"] == "failed" and b["retries"] == n
            )
            assert body["status"] == "failed" and body["nextRetryAt"], body
            assert "retry" in body["message"]
            gaps.append((_at(body["nextRetryAt"]) - _at(body["completedAt"])).total_seconds())
        api_env.emu.clear_faults()
        body = _wait_until(client, sync_id, lambda b: b["status"] == "completed", timeout=180)
        assert body["status"] == "completed", body
        assert body["retries"] == 2 and body["nextRetryAt"] is None and body["error"] is None
    assert [round(g) for g in gaps] == [1, 2]
    with api_env.runtime.uow() as s:
        assert [r.id for r in s.scalars(select(SyncRun))] == [sync_id]  # retried under the same id
    assert_matches_world(_as_sync_env(api_env))
