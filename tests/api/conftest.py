"""A live sellersync server (uvicorn on 127.0.0.1) syncing from a live emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sellersync.config import Settings
from sellersync.runtime import Runtime
from tests.conftest import Database
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.sellersync import RunningServer, connect, make_runtime, run_server, settings_for
from tests.sync.conftest import WHOLE_WORLD_DAYS


@dataclass
class ApiEnv:
    emu: RunningEmulator
    settings: Settings
    runtime: Runtime  # direct store access for assertions
    server: RunningServer
    workspace_id: int
    connection_id: int
    db: Database


@pytest.fixture
def api_env(db: Database, request: pytest.FixtureRequest) -> Iterator[ApiEnv]:
    params = getattr(request, "param", {}) or {}
    with run_emulator(seed=params.get("seed", 7), speed=params.get("speed", 2000.0)) as emu:
        settings = settings_for(db.url, emu, backfill_days=WHOLE_WORLD_DAYS, **params.get("settings", {}))
        with make_runtime(settings) as rt:
            ws, conn = connect(rt, emu)
            with run_server(settings) as server:
                yield ApiEnv(emu, settings, rt, server, ws, conn, db)
