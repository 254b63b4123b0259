"""Liveness and Prometheus metrics (computed from the store at scrape time, so every process agrees)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text

from sellersync.api.deps import RuntimeDep
from sellersync.api.errors import ApiError
from sellersync.runtime import Runtime
from sellersync.store.models import SyncRun, SyncUnit

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
            syncs = GaugeMetricFamily("sellersync_syncs", "Syncs by status", labels=["status"])
            for status, n in s.execute(select(SyncRun.status, func.count()).group_by(SyncRun.status)):
                syncs.add_metric([status], n)
            yield syncs
            rows = CounterMetricFamily(
                "sellersync_rows_written", "Canonical rows written, per stream", labels=["stream"]
            )
            units = CounterMetricFamily("sellersync_units", "Units finished, per stream", labels=["stream"])
            seconds = CounterMetricFamily(
                "sellersync_unit_seconds", "Time spent in finished units, per stream", labels=["stream"]
            )
            done = list(
                s.execute(
                    select(
                        SyncUnit.stream, SyncUnit.written, SyncUnit.started_at, SyncUnit.completed_at
                    ).where(SyncUnit.status == "done")
                )
            )
            per: dict[str, list[float]] = {}
            for stream, written, started, completed in done:
                acc = per.setdefault(stream, [0.0, 0.0, 0.0])
                acc[0] += float(written)
                acc[1] += 1
                if started and completed:
                    acc[2] += (completed - started).total_seconds()
            for stream, acc in sorted(per.items()):
                rows.add_metric([stream], acc[0])
                units.add_metric([stream], acc[1])
                seconds.add_metric([stream], acc[2])
            yield rows
            yield units
            yield seconds
            calls = CounterMetricFamily(
                "sellersync_api_calls", "SP-API calls per operation", labels=["operation"]
            )
            throttles = CounterMetricFamily(
                "sellersync_api_throttles", "SP-API 429 answers per operation", labels=["operation"]
            )
            totals: dict[str, list[int]] = {}
            for (stats,) in s.execute(select(SyncRun.stats)):
                for op, c in ((stats or {}).get("api") or {}).items():
                    acc2 = totals.setdefault(op, [0, 0])
                    acc2[0] += int(c.get("calls", 0))
                    acc2[1] += int(c.get("throttles", 0))
            for op, (c, t) in sorted(totals.items()):
                calls.add_metric([op], c)
                throttles.add_metric([op], t)
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
