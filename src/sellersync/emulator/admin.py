"""Emulator-only endpoints under ``/_emulator`` (not part of Amazon's API): ground truth, world
facts for dev set-up, call statistics, run-time faults, token revocation, rate-limit reset."""

from __future__ import annotations

import json
from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .faults import FaultConfig
from .params import fmt_iso
from .state import emu_of, json_response


async def truth(request: Request) -> Response:
    return json_response(emu_of(request).world.truth())


async def world_info(request: Request) -> Response:
    emu = emu_of(request)
    world = emu.world
    return json_response(
        {
            "seller_id": world.seller_id,
            "refresh_token": world.refresh_token,
            "client_id": emu.lwa.client_id,
            "client_secret": emu.lwa.client_secret,
            "marketplaces": [asdict(m) for m in world.marketplaces],
            "region": world.region,
            "anchor": fmt_iso(world.anchor),
            "seed": world.seed,
            "scenario": world.scenario,
            "speed": emu.speed,
        }
    )


async def stats(request: Request) -> Response:
    return json_response(emu_of(request).stats.snapshot())


async def get_faults(request: Request) -> Response:
    return json_response(emu_of(request).faults.config.to_dict())


async def set_faults(request: Request) -> Response:
    """Merge a (partial) fault configuration; ``{"reset": true}`` starts from no faults."""
    emu = emu_of(request)
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        base = None if body.pop("reset", False) else emu.faults.config
        config = FaultConfig.from_dict(body, base)
    except (ValueError, TypeError) as exc:
        return json_response({"error": str(exc)}, status_code=400)
    emu.faults.configure(config)
    if config.revoke_refresh_tokens:
        emu.lwa.revoke_all()
    return json_response(config.to_dict())


async def revoke(request: Request) -> Response:
    return json_response({"revoked": emu_of(request).lwa.revoke_all()})


async def reset_limits(request: Request) -> Response:
    emu_of(request).limiter.reset()
    return json_response({"reset": True})


routes = [
    Route("/_emulator/truth", truth, methods=["GET"]),
    Route("/_emulator/world", world_info, methods=["GET"]),
    Route("/_emulator/stats", stats, methods=["GET"]),
    Route("/_emulator/faults", get_faults, methods=["GET"]),
    Route("/_emulator/faults", set_faults, methods=["POST"]),
    Route("/_emulator/revoke", revoke, methods=["POST"]),
    Route("/_emulator/reset-limits", reset_limits, methods=["POST"]),
]
