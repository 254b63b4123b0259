"""The composition root: one ASGI application with the HTTP API and the dashboard's pages.

``api`` and ``web`` never import each other's routes; this is the only module that imports both (the
pages use the API's request dependencies, ``api.deps``, to know the signed-in caller). ``sellersync
serve`` and the tests build the application here.
"""

from __future__ import annotations

from fastapi import FastAPI

from sellersync.api.app import create_api
from sellersync.config import Settings
from sellersync.web import routes as web


def create_app(settings: Settings) -> FastAPI:
    """The API (``create_api``: runtime, job runner, routes under ``/api``) plus the pages and their files."""
    app = create_api(settings)
    app.include_router(web.router)
    web.mount_static(app)
    return app
