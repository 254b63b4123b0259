"""The live state of one emulator and the gate every SP-API operation passes through."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from .clock import Clock, utc
from .errors import ApiError, quota_exceeded, unauthorized
from .faults import FaultInjector
from .lwa import TokenStore
from .ratelimit import RateLimiter, format_rate
from .serializers import render
from .stats import Stats
from .tokens import Signer

if TYPE_CHECKING:
    from .contract import WorldView
    from .documents import DocumentStore
    from .reports import ReportStore


@dataclass
class EmulatorState:
    world: WorldView
    speed: float
    clock: Clock
    lwa: TokenStore
    limiter: RateLimiter
    faults: FaultInjector
    stats: Stats
    signer: Signer
    reports: ReportStore
    documents: DocumentStore
    extra: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return utc(self.clock())


def emu_of(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emu
    return state


async def begin(request: Request, operation: str) -> str:
    """Authorize, fault-inject and rate-limit one SP-API call; returns the caller's seller id.

    Raises :class:`ApiError` (403, 429, 500, 503) exactly as Amazon would answer.
    """
    emu = emu_of(request)
    request.state.operation = operation
    request.state.rate_limit = format_rate(emu.limiter.rate(operation))
    emu.stats.call(operation)
    latency = emu.faults.config.latency_ms
    if latency > 0:
        await asyncio.sleep(latency / 1000.0)
    seller = emu.lwa.seller_for_access_token(request.headers.get("x-amz-access-token"))
    if seller is None:
        raise unauthorized()
    request.state.seller_id = seller
    if emu.faults.throttle(operation) or not emu.limiter.allow(seller, operation):
        raise quota_exceeded()
    status = emu.faults.server_error(operation)
    if status == 503:
        raise ApiError(503, "ServiceUnavailable", "Service temporarily unavailable.", "")
    if status == 500:
        raise ApiError(500, "InternalFailure", "We encountered an internal error.", "")
    return seller


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(render(body), status_code=status_code, media_type="application/json")
