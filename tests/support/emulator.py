"""Run the SP-API emulator on 127.0.0.1 with real uvicorn, for tests of any suite.

    with run_emulator(seed=3, speed=200, faults=FaultConfig(error_5xx_rate=0.2)) as emu:
        httpx.get(emu.base_url + "/_emulator/world")
        emu.access_token()          # a fresh LWA access token for the seeded seller
        emu.set_faults(latency_ms=50)

The server runs in a background thread on a port the OS picked; leaving the ``with`` block stops it
and waits for the thread. Pass ``world=`` to serve a hand-made WorldView instead of a seeded one.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from sellersync.emulator.app import create_app
from sellersync.emulator.contract import WorldView
from sellersync.emulator.embedded import serve_in_thread
from sellersync.emulator.faults import FaultConfig
from sellersync.emulator.lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


@functools.lru_cache(maxsize=8)
def seeded_world(
    seed: int = 1,
    scenario: str = "typical",
    size: str = "small",
    region: str = "NA",
    anchor: datetime | None = None,
) -> WorldView:
    """A world from the generator, built once per parameter set for the whole test session."""
    from sellersync.emulator.world import build_world

    world: WorldView = build_world(seed=seed, scenario=scenario, size=size, anchor=anchor, region=region)
    return world


@dataclass
class RunningEmulator:
    base_url: str
    world: WorldView
    client_id: str
    client_secret: str
    app: Any  # the Starlette app (its ``state.emu`` is the live EmulatorState)

    @property
    def seller_id(self) -> str:
        return self.world.seller_id

    @property
    def refresh_token(self) -> str:
        return self.world.refresh_token

    @property
    def marketplace_ids(self) -> list[str]:
        return [m.marketplace_id for m in self.world.marketplaces]

    @property
    def token_url(self) -> str:
        return self.base_url + "/auth/o2/token"

    def access_token(self, refresh_token: str | None = None) -> str:
        res = httpx.post(
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or self.refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        res.raise_for_status()
        token: str = res.json()["access_token"]
        return token

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        res = httpx.request(method, self.base_url + "/_emulator/" + path.lstrip("/"), json=json)
        res.raise_for_status()
        return res.json()

    def set_faults(self, reset: bool = False, **faults: Any) -> dict[str, Any]:
        body = dict(faults, reset=True) if reset else faults
        result: dict[str, Any] = self.admin("POST", "faults", body)
        return result

    def clear_faults(self) -> None:
        self.set_faults(reset=True)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("GET", "stats")
        return result

    def reset_limits(self) -> None:
        self.admin("POST", "reset-limits")


class OffsetClock:
    """Real time plus an offset the test can move forward (``clock.advance(301)``)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def __call__(self) -> float:
        return time.time() + self.offset


@contextmanager
def run_emulator(
    *,
    world: WorldView | None = None,
    seed: int = 1,
    scenario: str = "typical",
    size: str = "small",
    speed: float = 100.0,
    region: str = "NA",
    anchor: datetime | None = None,
    faults: FaultConfig | None = None,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    clock: Callable[[], float] | None = None,
    host: str = "127.0.0.1",
    startup_timeout: float = 20.0,
) -> Iterator[RunningEmulator]:
    """Serve an emulator with real uvicorn in a background thread; yields its handle."""
    if world is None:
        world = seeded_world(seed, scenario, size, region, anchor)
    app = create_app(
        world,
        speed=speed,
        faults=faults,
        client_id=client_id,
        client_secret=client_secret,
        **({"clock": clock} if clock is not None else {}),
    )
    with serve_in_thread(app, host=host, startup_timeout=startup_timeout) as base_url:
        yield RunningEmulator(
            base_url=base_url,
            world=world,
            client_id=client_id,
            client_secret=client_secret,
            app=app,
        )
