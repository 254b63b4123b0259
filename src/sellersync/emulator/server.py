"""Run the emulator: build the seeded world, write the truth manifest, serve with uvicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from .app import create_app
from .contract import WorldView
from .faults import FaultConfig
from .lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

log = logging.getLogger("sellersync.emulator")


def parse_anchor(anchor: str | date | datetime | None) -> datetime | None:
    """``2025-06-01`` / a date / a datetime -> UTC datetime (None stays None: today)."""
    if anchor is None or anchor == "":
        return None
    if isinstance(anchor, datetime):
        return anchor if anchor.tzinfo else anchor.replace(tzinfo=UTC)
    if isinstance(anchor, date):
        return datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    text = anchor.strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_throttle_bursts(values: str | int | list[str] | dict[str, int] | None) -> dict[str, int]:
    """``5`` (every operation) or ``getOrders=5`` items -> {"*": 5} / {"getOrders": 5}."""
    if values is None or values == "" or values == []:
        return {}
    if isinstance(values, dict):
        return {str(k): int(v) for k, v in values.items()}
    if isinstance(values, int):
        return {"*": values}
    items = values if isinstance(values, list) else [p for p in values.split(",") if p]
    out: dict[str, int] = {}
    for item in items:
        op, sep, count = str(item).partition("=")
        if sep:
            out[op.strip()] = int(count)
        else:
            out["*"] = int(op)
    return out


def build(
    seed: int = 1,
    scenario: str = "typical",
    size: str | int = "small",
    region: str = "NA",
    anchor: str | date | datetime | None = None,
) -> WorldView:
    from .world import build_world

    if isinstance(size, str) and size.isdigit():  # `--size 20000` from the command line
        size = int(size)

    # cast: the world declares its attributes as tuples; a Protocol's mutable attributes are
    # invariant for mypy, though the world satisfies the contract structurally.
    return cast(
        WorldView,
        build_world(seed=seed, scenario=scenario, size=size, anchor=parse_anchor(anchor), region=region),
    )


def write_truth(world: WorldView, path: str | Path) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(world.truth(), indent=2, sort_keys=True, default=str) + "\n")


def create_server_app(
    *,
    seed: int = 1,
    scenario: str = "typical",
    size: str = "small",
    speed: float = 1.0,
    regions: Sequence[str] = ("NA",),
    anchor: str | date | datetime | None = None,
    faults: FaultConfig | None = None,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
) -> tuple[Any, dict[str, WorldView]]:
    """The emulator app and its worlds by region.

    One region: that world served at the root (as always). Several: one world per region, the k-th
    seeded ``seed + k``, each under ``/<region>`` (see :mod:`sellersync.emulator.multi`).
    """
    from .multi import create_multi_app

    codes = [r.strip().upper() for r in regions if r.strip()] or ["NA"]
    if len(set(codes)) != len(codes):
        raise ValueError(f"each region once: {', '.join(codes)}")
    worlds = {code: build(seed + k, scenario, size, code, anchor) for k, code in enumerate(codes)}
    apps = {
        code: create_app(world, speed=speed, faults=faults, client_id=client_id, client_secret=client_secret)
        for code, world in worlds.items()
    }
    if len(codes) == 1:
        return apps[codes[0]], worlds
    return create_multi_app(apps), worlds


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    scenario: str = "typical",
    size: str = "small",
    speed: float = 1.0,
    region: str | Sequence[str] = "NA",
    anchor: str | date | datetime | None = None,
    truth_file: str | Path | None = None,
    *,
    error_5xx_rate: float = 0.0,
    throttle_rate: float = 0.0,
    throttle_bursts: str | int | list[str] | dict[str, int] | None = None,
    latency_ms: int = 0,
    truncate_documents_rate: float = 0.0,
    fatal_reports_rate: float = 0.0,
    cancelled_reports_rate: float = 0.0,
    revoke_refresh_tokens: bool = False,
    deny_consent: bool = False,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    log_level: str = "info",
) -> None:
    """Serve the emulator until interrupted (the ``sellersync emulator`` command)."""
    import uvicorn

    regions = [region] if isinstance(region, str) else list(region)
    faults = FaultConfig(
        error_5xx_rate=error_5xx_rate,
        throttle_bursts=parse_throttle_bursts(throttle_bursts),
        throttle_rate=throttle_rate,
        latency_ms=latency_ms,
        truncate_documents_rate=truncate_documents_rate,
        fatal_reports_rate=fatal_reports_rate,
        cancelled_reports_rate=cancelled_reports_rate,
        revoke_refresh_tokens=revoke_refresh_tokens,
        deny_consent=deny_consent,
    )
    faults.validate()
    app, worlds = create_server_app(
        seed=seed,
        scenario=scenario,
        size=size,
        speed=speed,
        regions=regions,
        anchor=anchor,
        faults=faults,
        client_id=client_id,
        client_secret=client_secret,
    )
    url = f"http://{host}:{port}"
    if truth_file:
        if len(worlds) == 1:
            write_truth(next(iter(worlds.values())), truth_file)
        else:  # one manifest per region: truth.json -> truth.na.json, truth.eu.json
            target = Path(truth_file)
            for code, world in worlds.items():
                write_truth(world, target.with_name(f"{target.stem}.{code.lower()}{target.suffix}"))
    for code, world in worlds.items():
        base = url if len(worlds) == 1 else f"{url}/{code.lower()}"
        info: dict[str, Any] = {
            "url": base,
            "region": code,
            "seller_id": world.seller_id,
            "marketplaces": [m.marketplace_id for m in world.marketplaces],
            "seed": world.seed,
            "scenario": scenario,
            "size": size,
            "speed": speed,
        }
        print(f"sellersync SP-API emulator: {json.dumps(info)}", flush=True)
    if len(worlds) > 1:
        endpoints = {code: f"{url}/{code.lower()}" for code in worlds}
        print(f"SELLERSYNC_SPAPI_ENDPOINTS='{json.dumps(endpoints)}'", flush=True)
        print(f"SELLERSYNC_LWA_ENDPOINT={url}/auth/o2/token", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
