"""Two `sellersync serve` processes on one database: concurrent starts give exactly one run."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from sellersync.store.models import SyncRun
from tests.support.sellersync import spawn_server
from tests.sync.conftest import SyncEnv


def test_twenty_concurrent_starts_across_two_server_processes_give_one_run(
    sync_env: SyncEnv, tmp_path: Path
) -> None:
    """`make chaos` part e, short: 20 simultaneous starts, alternating between two servers."""
    with (
        spawn_server(sync_env.settings, tmp_path / "one.log") as one,
        spawn_server(sync_env.settings, tmp_path / "two.log") as two,
        one.client() as c1,
        two.client() as c2,
        ThreadPoolExecutor(20) as pool,
    ):
        clients = [c1, c2]
        answers = list(pool.map(lambda i: clients[i % 2].post("/api/sync/start"), range(20)))
        assert Counter(a.status_code for a in answers) == {202: 1, 409: 19}
        winner = next(a.json()["syncId"] for a in answers if a.status_code == 202)
        assert {a.json()["syncId"] for a in answers if a.status_code == 409} == {winner}
        with sync_env.runtime.uow() as s:
            assert list(s.scalars(select(SyncRun.id))) == [winner]
        assert c2.post(f"/api/sync/cancel/{winner}").status_code == 200
