"""Liveness and Prometheus metrics (computed from the store at scrape time, so every process agrees)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import text

from sellersync.api.deps import RuntimeDep
from sellersync.api.errors import ApiError
from sellersync.runtime import Runtime
from sellersync.sync.metrics import sync_totals

router = APIRouter(tags=["health"])


@router.get("/health")
def health(runtime: RuntimeDep) -> JSONResponse:
    try:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the database is down: say so, don't crash
        return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


class StoreCollector:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        with self.runtime.uow() as s:
            totals = sync_totals(s)
        syncs = GaugeMetricFamily("sellersync_syncs", "Syncs by status", labels=["status"])
        for status, n in sorted(totals.syncs.items()):
            syncs.add_metric([status], n)
        yield syncs
        rows = CounterMetricFamily(
            "sellersync_rows_written", "Canonical rows written, per stream", labels=["stream"]
        )
        units = CounterMetricFamily("sellersync_units", "Units finished, per stream", labels=["stream"])
        seconds = CounterMetricFamily(
            "sellersync_unit_seconds", "Time spent in finished units, per stream", labels=["stream"]
        )
        for stream, st in sorted(totals.streams.items()):
            rows.add_metric([stream], st.rows_written)
            units.add_metric([stream], st.units)
            seconds.add_metric([stream], st.seconds)
        yield rows
        yield units
        yield seconds
        calls = CounterMetricFamily(
            "sellersync_api_calls", "SP-API calls per operation", labels=["operation"]
        )
        throttles = CounterMetricFamily(
            "sellersync_api_throttles", "SP-API 429 answers per operation", labels=["operation"]
        )
        for op, api in sorted(totals.api.items()):
            calls.add_metric([op], api.calls)
            throttles.add_metric([op], api.throttles)
        yield calls
        yield throttles


def _require_scraper(request: Request, runtime: Runtime) -> None:
    """Metrics span every workspace, so only the operator's scraper reads them outside development."""
    token = runtime.settings.metrics_token
    if not token:
        if runtime.settings.env == "development":
            return
        raise ApiError(404, "metrics_off", "metrics are off: set SELLERSYNC_METRICS_TOKEN to scrape them")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "metrics need 'Authorization: Bearer <SELLERSYNC_METRICS_TOKEN>'")


@router.get("/metrics")
def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus metrics; ``Authorization: Bearer <SELLERSYNC_METRICS_TOKEN>`` when a token is set."""
    _require_scraper(request, runtime)
    registry = CollectorRegistry()
    registry.register(StoreCollector(runtime))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
