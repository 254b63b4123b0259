"""One emulator server for several regions: one seeded world per region, each under ``/<region>``.

``sellersync emulator --region NA --region EU`` serves the NA world's SP-API at ``/na`` and the EU
world's at ``/eu`` (so ``SELLERSYNC_SPAPI_ENDPOINTS='{"NA": "<url>/na", "EU": "<url>/eu"}'``), the
consent page of each region at ``/<region>/apps/authorize/consent``, and one Login with Amazon token
endpoint at ``/auth/o2/token`` for every region, like Amazon's. The world of the k-th region listed
(counting from 0) is seeded with ``seed + k``, so each region has its own seller and refresh token.
Every request is recorded in the request log at ``GET /_emulator/requests`` (method, full path,
status, operation and the seller whose access token made the call).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import lwa
from .state import EmulatorState


class RequestLog:
    """Every request the server answered, in order (thread-safe; the tests read it over HTTP)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]


class _Recorder:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app, self.log = app, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        method = scope["method"]
        status: dict[str, int] = {}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            state = scope.get("state") or {}
            if not path.startswith("/_emulator/requests"):
                self.log.add(
                    {
                        "method": method,
                        "path": path,
                        "status": status.get("code"),
                        "operation": state.get("operation"),
                        "seller_id": state.get("seller_id"),
                    }
                )


def create_multi_app(apps: Mapping[str, Starlette]) -> Starlette:
    """Mount each region's emulator app under ``/<region lower>``, with one shared token endpoint."""
    log = RequestLog()
    states: dict[str, EmulatorState] = {code: app.state.emu for code, app in apps.items()}

    async def token(request: Request) -> Response:
        """LWA for every region: the grant's code or refresh token says which world issued it."""
        body = await request.body()
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            form = {}
        for emu in states.values():
            if emu.lwa.knows(code=form.get("code"), refresh_token=form.get("refresh_token")):
                return await lwa.token_response(emu, request, body)
        # unknown to every region: let the first region answer (invalid_grant, invalid_client, …)
        return await lwa.token_response(next(iter(states.values())), request, body)

    async def requests(request: Request) -> Response:
        return JSONResponse(log.entries())

    async def worlds(request: Request) -> Response:
        return JSONResponse(
            {
                code: {
                    "prefix": f"/{code.lower()}",
                    "seller_id": emu.world.seller_id,
                    "refresh_token": emu.world.refresh_token,
                    "marketplaces": [m.marketplace_id for m in emu.world.marketplaces],
                    "seed": emu.world.seed,
                }
                for code, emu in states.items()
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:  # mounted apps get no lifespan of their own
            for emu in states.values():
                emu.documents.close()

    routes: list[Any] = [
        Route("/auth/o2/token", token, methods=["POST"]),
        Route("/_emulator/requests", requests, methods=["GET"]),
        Route("/_emulator/regions", worlds, methods=["GET"]),
    ]
    routes += [Mount(f"/{code.lower()}", app=app) for code, app in apps.items()]
    root = Starlette(routes=routes, middleware=[Middleware(_Recorder, log=log)], lifespan=lifespan)
    root.state.request_log = log
    root.state.regions = states
    return root
