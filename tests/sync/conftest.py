"""Fixtures for syncing from a live emulator into a real database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sellersync.config import Settings
from sellersync.runtime import Runtime
from tests.conftest import Database
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.sellersync import connect, make_runtime, settings_for

#: Longer than the emulator's ~19 months of history, so a first sync sees the whole world.
WHOLE_WORLD_DAYS = 600


@dataclass
class SyncEnv:
    emu: RunningEmulator
    settings: Settings
    runtime: Runtime
    workspace_id: int
    connection_id: int
    db: Database

    def sync(self) -> tuple[str, str | None]:
        sync_id = self.runtime.jobs.start(
            workspace_id=self.workspace_id, connection_id=self.connection_id, trigger="cli"
        )
        return sync_id, self.runtime.jobs.run(sync_id)


@pytest.fixture
def sync_env(db: Database, request: pytest.FixtureRequest) -> Iterator[SyncEnv]:
    params = getattr(request, "param", {}) or {}
    with run_emulator(
        seed=params.get("seed", 7),
        scenario=params.get("scenario", "typical"),
        size=params.get("size", "small"),
        region=params.get("region", "NA"),
        speed=params.get("speed", 2000.0),
    ) as emu:
        settings = settings_for(db.url, emu, backfill_days=WHOLE_WORLD_DAYS, **params.get("settings", {}))
        with make_runtime(settings) as rt:
            ws, conn = connect(rt, emu)
            yield SyncEnv(emu, settings, rt, ws, conn, db)
