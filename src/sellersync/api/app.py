"""The HTTP API's application factory. ``create_api(settings)`` builds the runtime once, in the lifespan.

The API never imports the web pages: ``sellersync.app.create_app`` (the composition root) mounts both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sellersync import __version__
from sellersync.accounts.logfilter import redact_access_log
from sellersync.api import errors, openapi
from sellersync.api.guard import RequestGuard
from sellersync.api.routes import amazon, auth, claims, data, events, health, sync, tokens
from sellersync.config import Settings
from sellersync.digest.schedule import digest_tick
from sellersync.runtime import build_runtime
from sellersync.secrets import SecretKeyMissing
from sellersync.sync.runner import EmbeddedRunner


def create_api(settings: Settings) -> FastAPI:
    if settings.env != "development" and not settings.secret_key:
        raise SecretKeyMissing("SELLERSYNC_SECRET_KEY must be set outside development")
    settings.check_production()
    settings.trusted_proxy_networks()  # a malformed SELLERSYNC_TRUSTED_PROXIES fails now, not per request
    redact_access_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        runner = EmbeddedRunner(runtime.jobs, concurrency=settings.job_concurrency)
        runtime.jobs.runner = runner
        runtime.runner = runner
        app.state.runtime = runtime
        await runner.start(
            reaper_interval=settings.reaper_interval_seconds,
            schedule_interval=settings.schedule_check_seconds,
        )
        runner.add_periodic("digest", settings.digest_check_seconds, digest_tick(runtime.uow, settings))
        try:
            yield
        finally:
            await runner.stop()
            runtime.close()

    app = FastAPI(
        title="sellersync",
        version=__version__,
        description="Amazon SP-API sync and FBA reimbursement detection.",
        lifespan=lifespan,
        docs_url=None,  # /docs: served by the web pages from swagger-ui-bundle-v2 files (works offline)
        redoc_url=None,
    )
    errors.install(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.include_router(sync.router)
    app.include_router(events.router)
    app.include_router(health.router)
    app.include_router(data.router)
    app.include_router(auth.router)
    app.include_router(tokens.router)
    app.include_router(amazon.router)
    app.include_router(claims.router)
    openapi.install(app)
    return app
