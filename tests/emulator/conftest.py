"""Fixtures of the emulator server suite (the world suite in ``world/`` has its own)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.emulator.fakeworld import FakeWorld
from tests.support.emulator import RunningEmulator, run_emulator

MODEL_DIRS = [
    os.environ.get("SELLERSYNC_SPAPI_MODELS", ""),
    str(Path(__file__).resolve().parents[2] / "spapi" / "models"),
    "/work/shared/spapi/models",
]


def _models_dir() -> Path | None:
    for candidate in MODEL_DIRS:
        if candidate and (Path(candidate) / "reportsV2021-06-30.json").exists():
            return Path(candidate)
        if candidate and (Path(candidate) / "reports_2021-06-30.json").exists():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def spapi_models() -> dict[str, dict[str, Any]]:
    """Amazon's Swagger models by file stem (e.g. ``ordersV0``)."""
    directory = _models_dir()
    if directory is None:
        pytest.skip("the SP-API models are not available (set SELLERSYNC_SPAPI_MODELS)")
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


@pytest.fixture(scope="module")
def fake_emu() -> Iterator[RunningEmulator]:
    """An emulator serving the small hand-made FakeWorld, fast (speed 1000)."""
    with run_emulator(world=FakeWorld(seed=1), speed=1000.0) as emu:
        yield emu


@pytest.fixture(scope="module")
def seeded_emu() -> Iterator[RunningEmulator]:
    """An emulator serving the seeded world (seed 1, typical, small), fast (speed 1000)."""
    with run_emulator(seed=1, speed=1000.0) as emu:
        yield emu


@pytest.fixture
def emulator_factory() -> Callable[..., AbstractContextManager[RunningEmulator]]:
    """``with emulator_factory(seed=2, faults=FaultConfig(...)) as emu:`` for one-off servers."""
    return run_emulator


def api(emu: RunningEmulator, token: str | None = None) -> httpx.Client:
    """An httpx client for SP-API calls with a valid access token."""
    return httpx.Client(
        base_url=emu.base_url,
        headers={"x-amz-access-token": token or emu.access_token()},
        timeout=30.0,
    )


class CheckedApi:
    """SP-API calls over real HTTP whose every JSON answer is validated against Amazon's model
    for that operation and status, and whose headers carry the request id and rate limit."""

    def __init__(self, emu: RunningEmulator, models: dict[str, dict[str, Any]]) -> None:
        self.emu = emu
        self.models = models
        self.client = api(emu)

    def call(
        self, op: str, method: str, path: str, *, expect: int | None = 200, **kwargs: Any
    ) -> httpx.Response:
        from tests.emulator.models import validate

        res = self.client.request(method, path, **kwargs)
        if expect is not None:
            assert res.status_code == expect, res.text
        assert res.headers.get("x-amzn-requestid")
        assert res.headers.get("x-amzn-ratelimit-limit")
        if res.content:
            validate(self.models, op, res.status_code, res.json())
        return res

    def get(self, op: str, path: str, *, expect: int | None = 200, **params: Any) -> Any:
        res = self.call(op, "GET", path, expect=expect, params=params)
        return res.json()

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def fake_api(fake_emu: RunningEmulator, spapi_models: dict[str, dict[str, Any]]) -> Iterator[CheckedApi]:
    fake_emu.reset_limits()
    fake_emu.clear_faults()
    checked = CheckedApi(fake_emu, spapi_models)
    yield checked
    checked.close()
