"""The emulator's ASGI application factory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import admin, documents, finances, inbound, inventory, lwa, orders, orders2026, reports, sellers
from .clock import Clock, system_clock
from .contract import WorldView
from .documents import DocumentStore
from .errors import ApiError, error_body
from .faults import FaultConfig, FaultInjector
from .ratelimit import RateLimiter
from .reports import ReportStore
from .state import EmulatorState, json_response
from .stats import Stats
from .tokens import Signer


class AmznHeaders:
    """Adds ``x-amzn-RequestId`` to every response, ``x-amzn-RateLimit-Limit`` to every SP-API
    response, and records each operation's outcome (pure ASGI: streaming stays streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = str(uuid.uuid4())

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-amzn-requestid", request_id.encode()))
                rate = state.get("rate_limit")
                if rate is not None:
                    headers.append((b"x-amzn-ratelimit-limit", str(rate).encode()))
                operation = state.get("operation")
                if operation is not None:
                    scope["app"].state.emu.stats.outcome(operation, message["status"])
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json_response(exc.body(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        body = error_body("NotFound", "Resource not found.", f"No resource at {request.url.path}")
    elif exc.status_code == 405:
        body = error_body("MethodNotAllowed", "Method not allowed.", request.method)
    else:
        body = error_body(str(exc.status_code), str(exc.detail), "")
    return json_response(body, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    body = error_body("InternalFailure", "We encountered an internal error.", type(exc).__name__)
    return json_response(body, status_code=500)


def create_app(
    world: WorldView,
    *,
    speed: float = 1.0,
    faults: FaultConfig | None = None,
    client_id: str = lwa.DEFAULT_CLIENT_ID,
    client_secret: str = lwa.DEFAULT_CLIENT_SECRET,
    clock: Clock = system_clock,
) -> Starlette:
    """An SP-API emulator serving ``world``; ``speed`` multiplies rate limits and divides report
    processing time."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    injector = FaultInjector(world.seed, faults)
    token_store = lwa.TokenStore(
        world.seller_id,
        world.refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        clock=clock,
    )
    if injector.config.revoke_refresh_tokens:
        token_store.revoke_all()
    emu = EmulatorState(
        world=world,
        speed=speed,
        clock=clock,
        lwa=token_store,
        limiter=RateLimiter(speed, clock),
        faults=injector,
        stats=Stats(),
        signer=Signer(f"sellersync-emulator:{world.seed}:{world.seller_id}"),
        reports=ReportStore(world, speed),
        documents=DocumentStore(world.seed, world.region),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            emu.documents.close()

    routes = [
        *lwa.routes,
        *orders.routes,
        *orders2026.routes,
        *reports.routes,
        *documents.routes,
        *finances.routes,
        *inventory.routes,
        *inbound.routes,
        *sellers.routes,
        *admin.routes,
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(AmznHeaders)],
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.emu = emu
    return app
