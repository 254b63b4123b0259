"""Reports API 2021-06-30: createReport, getReport, getReports, cancelReport, getReportDocument.

A created report lives IN_QUEUE, then IN_PROGRESS, then ends DONE (with a document), CANCELLED
(no rows for the range, or the cancelled-reports fault) or FATAL (fault; its document explains the
failure). Its life is driven by elapsed time divided by ``speed``. Settlement reports cannot be
requested: those of the last 90 days are listed as DONE scheduled reports.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import serializers
from .clock import utc
from .contract import ReportTable, WorldView
from .errors import invalid_input, not_found
from .paging import make_token, read_token
from .params import csv_list, fmt_iso, opt_datetime, opt_int, parse_datetime
from .state import EmulatorState, begin, emu_of, json_response

SETTLEMENT_TYPES = frozenset(
    {
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        "GET_V2_SETTLEMENT_REPORT_DATA_XML",
    }
)
SETTLEMENT_LISTED = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
RETENTION = timedelta(days=90)
BASE_QUEUE_S = 10.0  # seconds a report waits at speed 1 (plus a deterministic 0-20 s)
BASE_PROCESS_S = 30.0  # seconds it is processed at speed 1 (plus a deterministic 0-60 s)


@dataclass
class StoredReport:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime | None
    data_end: datetime | None
    created: float
    queue_s: float
    process_s: float
    outcome: str  # DONE | CANCELLED | FATAL once processed
    document_id: str | None = None
    cancelled_at: float | None = None
    schedule_id: str | None = None

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "CANCELLED"
        elapsed = now - self.created
        if elapsed < self.queue_s:
            return "IN_QUEUE"
        if elapsed < self.queue_s + self.process_s:
            return "IN_PROGRESS"
        return self.outcome

    def to_json(self, now: float) -> dict[str, object]:
        status = self.status(now)
        start_ts = self.created + self.queue_s
        end_ts = (
            self.cancelled_at
            if self.cancelled_at is not None
            else self.created + self.queue_s + self.process_s
        )
        started = status != "IN_QUEUE" and (self.cancelled_at is None or self.cancelled_at >= start_ts)
        finished = status in ("DONE", "CANCELLED", "FATAL")
        return serializers.report(
            report_id=self.report_id,
            report_type=self.report_type,
            marketplace_ids=self.marketplace_ids,
            data_start_time=fmt_iso(self.data_start) if self.data_start else None,
            data_end_time=fmt_iso(self.data_end) if self.data_end else None,
            report_schedule_id=self.schedule_id,
            created_time=fmt_iso(utc(self.created)),
            processing_status=status,
            processing_start_time=fmt_iso(utc(start_ts)) if started else None,
            processing_end_time=fmt_iso(utc(end_ts)) if finished else None,
            report_document_id=self.document_id if status in ("DONE", "FATAL") else None,
        )


class ReportStore:
    """Reports of one emulator (created ones in memory, settlement ones derived from the world)."""

    def __init__(self, world: WorldView, speed: float) -> None:
        self.world = world
        self.speed = speed
        self._lock = threading.Lock()
        self._reports: dict[str, StoredReport] = {}
        self._counter = 0
        self._settlements: dict[str, StoredReport] | None = None

    def next_number(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def add(self, report: StoredReport) -> None:
        with self._lock:
            self._reports[report.report_id] = report

    def settlement_reports(self, emu: EmulatorState) -> dict[str, StoredReport]:
        if self._settlements is None:
            out: dict[str, StoredReport] = {}
            for index, meta in enumerate(self.world.settlements()):
                report_id = str(60_000_000_000 + index)
                doc_id = emu.documents.document_id(f"settlement:{meta.settlement_id}")
                sid = meta.settlement_id
                emu.documents.register_table(
                    doc_id,
                    lambda sid=sid: self.world.settlement_table(sid),  # type: ignore[misc]
                )
                out[report_id] = StoredReport(
                    report_id=report_id,
                    report_type=SETTLEMENT_LISTED,
                    marketplace_ids=[meta.marketplace_id],
                    data_start=meta.start,
                    data_end=meta.end,
                    created=meta.created.timestamp(),
                    queue_s=0.0,
                    process_s=0.0,
                    outcome="DONE",
                    document_id=doc_id,
                    schedule_id=f"SCHED-{meta.marketplace_id}-SETTLEMENT",
                )
            self._settlements = out
        return self._settlements

    def get(self, emu: EmulatorState, report_id: str) -> StoredReport | None:
        with self._lock:
            found = self._reports.get(report_id)
        return found or self.settlement_reports(emu).get(report_id)

    def all(self, emu: EmulatorState) -> list[StoredReport]:
        with self._lock:
            created = list(self._reports.values())
        return created + list(self.settlement_reports(emu).values())


def _marketplaces(emu: EmulatorState, ids: list[str]) -> None:
    known = {m.marketplace_id for m in emu.world.marketplaces}
    bad = [m for m in ids if m not in known]
    if bad:
        raise invalid_input("Invalid input", f"Invalid marketplaceIds: {', '.join(bad)}")


async def create_report(request: Request) -> Response:
    await begin(request, "createReport")
    emu = emu_of(request)
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise invalid_input("Invalid input", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid_input("Invalid input", "The request body must be a JSON object.")
    report_type = body.get("reportType")
    ids = body.get("marketplaceIds")
    if not isinstance(report_type, str) or not report_type:
        raise invalid_input("Invalid input", "reportType is required.")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 25 or not all(isinstance(i, str) for i in ids):
        raise invalid_input("Invalid input", "marketplaceIds must list 1 to 25 marketplace ids.")
    if report_type in SETTLEMENT_TYPES:
        raise invalid_input(
            "Invalid input",
            f"Report type {report_type} cannot be requested. It is scheduled by Amazon.",
        )
    _marketplaces(emu, ids)
    now = emu.now()
    end = parse_datetime(body["dataEndTime"], "dataEndTime") if body.get("dataEndTime") else now
    start = (
        parse_datetime(body["dataStartTime"], "dataStartTime")
        if body.get("dataStartTime")
        else end - timedelta(days=30)
    )
    end = min(end, now)
    if start >= end:
        raise invalid_input("Invalid input", "dataStartTime must be earlier than dataEndTime.")
    try:
        table = emu.world.report_table(report_type, ids, start, end)
    except KeyError:
        raise invalid_input("Invalid input", f"Report type {report_type} is not supported.") from None
    has_rows = next(iter(table.rows), None) is not None
    n = emu.reports.next_number()
    report_id = str(50_000_000_000 + emu.world.seed % 1000 * 10_000_000 + n)
    forced = emu.faults.report_outcome()
    if forced:
        emu.stats.count(f"reports.forced.{forced}")
    outcome = forced or ("DONE" if has_rows else "CANCELLED")
    report = StoredReport(
        report_id=report_id,
        report_type=report_type,
        marketplace_ids=list(ids),
        data_start=start,
        data_end=end,
        created=emu.clock(),
        queue_s=(BASE_QUEUE_S + (n * 7) % 21) / emu.speed,
        process_s=(BASE_PROCESS_S + (n * 13) % 61) / emu.speed,
        outcome=outcome,
    )
    if outcome == "DONE":
        report.document_id = emu.documents.document_id(f"report:{report_id}")
        world = emu.world

        def source(
            world: WorldView = world,
            ids: tuple[str, ...] = tuple(ids),
            s: datetime = start,
            e: datetime = end,
            rt: str = report_type,
        ) -> ReportTable:
            return world.report_table(rt, ids, s, e)

        emu.documents.register_table(report.document_id, source)
    elif outcome == "FATAL":
        report.document_id = emu.documents.document_id(f"fatal:{report_id}")
        emu.documents.register_text(
            report.document_id,
            "Report processing failed: an internal error occurred while generating "
            f"{report_type} for {fmt_iso(start)} to {fmt_iso(end)}. Request the report again "
            "later or with a smaller date range.\n",
        )
    emu.reports.add(report)
    emu.stats.count(f"reports.created.{outcome}")
    return json_response(serializers.create_report_response(report_id), status_code=202)


async def get_report(request: Request) -> Response:
    await begin(request, "getReport")
    emu = emu_of(request)
    report = emu.reports.get(emu, request.path_params["reportId"])
    if report is None:
        raise not_found("Report not found.", f"Report {request.path_params['reportId']} not found.")
    return json_response(report.to_json(emu.clock()))


async def cancel_report(request: Request) -> Response:
    await begin(request, "cancelReport")
    emu = emu_of(request)
    report = emu.reports.get(emu, request.path_params["reportId"])
    if report is None:
        raise not_found("Report not found.", f"Report {request.path_params['reportId']} not found.")
    status = report.status(emu.clock())
    if status not in ("IN_QUEUE", "IN_PROGRESS"):
        raise invalid_input(
            "Invalid input", f"Report {report.report_id} is {status} and cannot be cancelled."
        )
    report.cancelled_at = emu.clock()
    return Response(status_code=200)


def _resolve_list_query(request: Request, emu: EmulatorState) -> dict[str, object]:
    q = request.query_params
    report_types = csv_list(q, "reportTypes")
    if "nextToken" in q and len(q) > 1:
        raise invalid_input("Invalid input", "nextToken cannot be combined with other parameters.")
    if not report_types:
        raise invalid_input("Invalid input", "reportTypes is required when nextToken is absent.")
    if len(report_types) > 10:
        raise invalid_input("Invalid input", "reportTypes accepts at most 10 values.")
    statuses = csv_list(q, "processingStatuses")
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise invalid_input("Invalid input", "Invalid input in processing status")
    marketplaces = csv_list(q, "marketplaceIds")
    now = emu.now()
    since = opt_datetime(q, "createdSince") or now - RETENTION
    until = opt_datetime(q, "createdUntil") or now
    if since < now - RETENTION - timedelta(minutes=5):
        raise invalid_input("Invalid input", "createdSince cannot be earlier than 90 days ago.")
    if until <= since:
        raise invalid_input("Invalid input", "createdUntil must be later than createdSince.")
    return {
        "t": report_types,
        "s": statuses,
        "m": marketplaces,
        "cs": since.timestamp(),
        "cu": until.timestamp(),
        "n": opt_int(q, "pageSize", 10, 1, 100),
    }


async def get_reports(request: Request) -> Response:
    await begin(request, "getReports")
    emu = emu_of(request)
    q = request.query_params
    token = q.get("nextToken")
    if token:
        if len(q) > 1:
            raise invalid_input("Invalid input", "nextToken cannot be combined with other parameters.")
        data = read_token(emu.signer, "reports", token, "nextToken")
        query, offset = data["q"], int(data["o"])
    else:
        query, offset = _resolve_list_query(request, emu), 0
    now = emu.clock()
    types = set(query["t"])
    statuses = set(query["s"])
    markets = set(query["m"])
    since, until = float(query["cs"]), float(query["cu"])
    matches = [
        r
        for r in emu.reports.all(emu)
        if r.report_type in types
        and since <= r.created <= until
        and r.created <= now
        and (not statuses or r.status(now) in statuses)
        and (not markets or markets.intersection(r.marketplace_ids))
    ]
    matches.sort(key=lambda r: (-r.created, r.report_id))
    size = int(query["n"])
    page = matches[offset : offset + size]
    next_token = (
        make_token(emu.signer, "reports", query, offset + size) if offset + size < len(matches) else None
    )
    body = serializers.get_reports_response([r.to_json(now) for r in page], next_token=next_token)
    return json_response(body)


def _own_origin(request: Request) -> str:
    """The origin clients reached us at: the socket's address (clients may send any Host)."""
    server = request.scope.get("server")
    if server and server[1]:
        host = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        return f"{request.url.scheme}://{host}:{server[1]}"
    return str(request.base_url).rstrip("/")


async def get_report_document(request: Request) -> Response:
    await begin(request, "getReportDocument")
    emu = emu_of(request)
    doc_id = request.path_params["reportDocumentId"]
    if not emu.documents.exists(doc_id):
        raise not_found("Report document not found.", f"Document {doc_id} not found.")
    token = emu.signer.dumps({"d": doc_id, "x": int(emu.clock() + 300)})
    # root_path: under a multi-region server the world is mounted at /<region>
    url = f"{_own_origin(request)}{request.scope.get('root_path', '')}/_emulator/documents/{token}"
    return json_response(serializers.report_document(doc_id, url, "GZIP"))


routes = [
    Route("/reports/2021-06-30/reports", get_reports, methods=["GET"]),
    Route("/reports/2021-06-30/reports", create_report, methods=["POST"]),
    Route("/reports/2021-06-30/reports/{reportId}", get_report, methods=["GET"]),
    Route("/reports/2021-06-30/reports/{reportId}", cancel_report, methods=["DELETE"]),
    Route(
        "/reports/2021-06-30/documents/{reportDocumentId:path}",
        get_report_document,
        methods=["GET"],
    ),
]
