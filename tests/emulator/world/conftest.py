"""Worlds shared by the world tests (small, fixed anchor, built once per session)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sellersync.emulator.world import World, build_world

ANCHOR = datetime(2026, 11, 28, tzinfo=UTC)
_WORLDS: dict[tuple[int, str, str], World] = {}


def world(seed: int = 1, scenario: str = "typical", region: str = "NA") -> World:
    key = (seed, scenario, region)
    if key not in _WORLDS:
        _WORLDS[key] = build_world(seed=seed, scenario=scenario, size="small", anchor=ANCHOR, region=region)
    return _WORLDS[key]


@pytest.fixture(params=["clean", "typical", "messy"])
def any_world(request: pytest.FixtureRequest) -> World:
    return world(scenario=request.param)


@pytest.fixture(params=[("typical", "NA"), ("messy", "NA"), ("messy", "EU"), ("clean", "EU")])
def region_world(request: pytest.FixtureRequest) -> World:
    scenario, region = request.param
    return world(scenario=scenario, region=region)
