"""Reports API workflow: reuse or create a report, wait for it, stream its document (FACTS §3).

- :meth:`ReportFetcher.find_or_create` reuses a DONE or in-flight report of the same type,
  marketplaces and data range before requesting a new one (one ``getReports`` listing per report
  type is cached for ``listing_ttl`` seconds, because ``getReports`` allows one call per 45 s).
- :meth:`ReportFetcher.wait` polls ``getReport`` with backoff, interruptibly, bounded by
  ``settings.report_poll_max_seconds``.
- :meth:`ReportFetcher.fetch_rows` ties it together: ``DONE`` → rows, ``CANCELLED`` → an explicit
  "no data" result, ``FATAL`` → bounded retries, then :class:`ReportFailed`.
- :meth:`ReportFetcher.iter_rows` streams a document (gzip, charset, TSV) row by row; a truncated
  or corrupt download is fetched again, skipping the rows already delivered, a bounded number of
  times. A document URL is reused while it is still valid (Amazon's live 5 minutes): a retry spends
  a ``getReportDocument`` token only when the URL expired (or the download answered 403).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sellersync.amazon.cancel import CancelToken
from sellersync.amazon.client import SpApiClient, backoff_delay, parse_datetime
from sellersync.amazon.errors import (
    DocumentDownloadFailed,
    DocumentError,
    DocumentUnreadable,
    ReportFailed,
    ReportTimedOut,
    SpApiError,
)
from sellersync.amazon.flatfile import charset_from_content_type, parse_flat_file
from sellersync.config import Settings

log = logging.getLogger(__name__)

DONE = "DONE"
CANCELLED = "CANCELLED"
FATAL = "FATAL"
IN_QUEUE = "IN_QUEUE"
IN_PROGRESS = "IN_PROGRESS"
TERMINAL_STATUSES = frozenset({DONE, CANCELLED, FATAL})
REUSABLE_STATUSES = (DONE, IN_QUEUE, IN_PROGRESS)

SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REPORT_RETENTION = timedelta(days=90)
DOWNLOAD_OPERATION = "downloadReportDocument"
URL_LIFETIME = 300.0  # seconds a getReportDocument URL stays valid (FACTS §3)


@dataclass(frozen=True)
class ReportOutcome:
    """How a report ended: DONE (with its document id), CANCELLED (no data) or FATAL."""

    report_id: str
    status: str
    document_id: str | None
    report: dict[str, Any] = field(repr=False)

    @property
    def no_data(self) -> bool:
        return self.status == CANCELLED


@dataclass(frozen=True)
class ReportDocument:
    """A document's download coordinates; the URL expires 5 minutes after it was issued."""

    document_id: str
    url: str = field(repr=False)  # pre-signed: treat as a short-lived secret
    compressed: bool | None  # True when Amazon says GZIP; None: sniff the bytes
    expires_at: float = float("inf")  # on the fetcher's clock; past it, fetch a fresh URL


class DocumentUrlRejected(DocumentError):
    """The download URL answered 403 (expired or no longer signed): fetch a fresh one."""


class ReportData:
    """The result of :meth:`ReportFetcher.fetch_rows`: rows of a DONE report, or explicit "no data".

    Iterate it (or call :meth:`rows`) to stream the rows; each iteration downloads the document again.
    """

    def __init__(
        self,
        fetcher: ReportFetcher,
        report_type: str,
        report_id: str,
        document_id: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> None:
        self.fetcher = fetcher
        self.report_type = report_type
        self.report_id = report_id
        self.document_id = document_id
        self.start = start
        self.end = end

    @property
    def no_data(self) -> bool:
        """True when Amazon said so (the report was CANCELLED: nothing in the window)."""
        return self.document_id is None

    def rows(self, required: Sequence[Sequence[str]] = ()) -> Iterator[dict[str, str]]:
        """The document's rows; ``required``: the columns its header must have (see ``iter_rows``)."""
        if self.document_id is None:
            return iter(())
        return self._rows(self.document_id, required)

    def _rows(self, document_id: str, required: Sequence[Sequence[str]]) -> Iterator[dict[str, str]]:
        try:
            yield from self.fetcher.iter_rows(document_id, required=required)
        except DocumentUnreadable as exc:
            exc.report_id = self.report_id
            self.fetcher.unreadable.add(self.report_id)
            raise

    def __iter__(self) -> Iterator[dict[str, str]]:
        return self.rows()

    def __repr__(self) -> str:
        return (
            f"ReportData(report_type={self.report_type!r}, report_id={self.report_id!r},"
            f" document_id={self.document_id!r}, no_data={self.no_data})"
        )


def _same_instant(a: str | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        parsed = parse_datetime(a)
    except ValueError:
        return False
    return parsed.replace(microsecond=0) == b.astimezone(UTC).replace(microsecond=0)


def report_matches(
    report: dict[str, Any],
    report_type: str,
    marketplace_ids: Sequence[str],
    start: datetime | None,
    end: datetime | None,
) -> bool:
    """True when ``report`` has the same type, marketplaces and data range."""
    return (
        report.get("reportType") == report_type
        and set(report.get("marketplaceIds") or ()) == set(marketplace_ids)
        and _same_instant(report.get("dataStartTime"), start)
        and _same_instant(report.get("dataEndTime"), end)
    )


class ReportFetcher:
    """Reports API workflow for one connection (thread-safe)."""

    def __init__(
        self,
        client: SpApiClient,
        cancel: CancelToken,
        settings: Settings | None = None,
        *,
        http: httpx.Client | None = None,
        poll_initial: float | None = None,
        poll_max_interval: float = 60.0,
        fatal_retries: int = 2,
        fatal_backoff: float | None = None,
        download_retries: int = 3,
        download_backoff: float = 1.0,
        url_margin: float = 30.0,
        chunk_size: int = 64 * 1024,
        reuse_max_age: timedelta = timedelta(days=1),
        listing_ttl: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        settings = settings or Settings()
        self.client = client
        self.cancel = cancel
        self.poll_max_seconds = settings.report_poll_max_seconds
        self.poll_initial = settings.report_poll_initial_seconds if poll_initial is None else poll_initial
        self.poll_max_interval = poll_max_interval
        self.fatal_retries = fatal_retries
        self.fatal_backoff = settings.report_fatal_backoff_seconds if fatal_backoff is None else fatal_backoff
        self.download_retries = download_retries
        self.download_backoff = download_backoff
        #: a URL is reused until ``URL_LIFETIME - url_margin`` seconds after it was issued
        self.url_margin = url_margin
        self.chunk_size = chunk_size
        self.reuse_max_age = reuse_max_age
        self.listing_ttl = listing_ttl
        self._clock = clock
        self._now = now
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=settings.http_timeout_seconds, follow_redirects=True)
        self._lock = threading.Lock()
        # report type -> (listed at, reports of that type we may reuse)
        self._listings: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        #: reports we requested that have not reached a terminal status (cancelled if the sync is)
        self.requested: set[str] = set()
        # document id -> its last URL, reused for another download while it has not expired
        self._urls: dict[str, ReportDocument] = {}
        #: reports never to reuse: their document arrived whole but could not be read as the report
        #: (DocumentUnreadable), so a retry asks Amazon for a fresh one instead of the same bytes
        self.unreadable: set[str] = set()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    # --- reuse or create --------------------------------------------------------------------------

    def _reusable(self, report_type: str) -> list[dict[str, Any]]:
        with self._lock:
            listed = self._listings.get(report_type)
            if listed is not None and self._clock() - listed[0] < self.listing_ttl:
                return list(listed[1])
        reports = list(
            self.client.get_reports(
                [report_type],
                processing_statuses=REUSABLE_STATUSES,
                created_since=self._now() - self.reuse_max_age,
            )
        )
        with self._lock:
            self._listings[report_type] = (self._clock(), reports)
        return list(reports)

    def _remember(self, report: dict[str, Any]) -> None:
        with self._lock:
            listed = self._listings.get(str(report.get("reportType")))
            if listed is not None:
                listed[1].append(report)

    def _forget(self, report_id: str) -> None:
        with self._lock:
            for _, reports in self._listings.values():
                reports[:] = [r for r in reports if r.get("reportId") != report_id]

    def find_existing(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> dict[str, Any] | None:
        """A DONE (preferred, newest first) or in-flight report with the same type/marketplaces/range."""
        candidates = [
            r
            for r in self._reusable(report_type)
            if report_matches(r, report_type, marketplace_ids, start, end)
            and str(r.get("reportId")) not in self.unreadable
        ]
        if not candidates:
            return None
        candidates.sort(
            key=lambda r: (r.get("processingStatus") == DONE, str(r.get("createdTime") or "")),
            reverse=True,
        )
        return candidates[0]

    def find_or_create(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None,
        end: datetime | None,
        *,
        report_options: dict[str, str] | None = None,
    ) -> str:
        """The id of a reusable matching report, or of a newly requested one."""
        return self._find_or_create(report_type, marketplace_ids, start, end, report_options)[0]

    def _find_or_create(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None,
        end: datetime | None,
        report_options: dict[str, str] | None,
    ) -> tuple[str, bool]:
        """(report id, True when we requested it now)."""
        if not report_options:
            existing = self.find_existing(report_type, marketplace_ids, start, end)
            if existing is not None:
                log.info(
                    "reusing report",
                    extra={"report_id": existing.get("reportId"), "report_type": report_type},
                )
                report_id = str(existing["reportId"])
                with self._lock:  # a report we requested earlier (e.g. ahead of time) is still ours
                    ours = report_id in self.requested
                return report_id, ours
        return self._create(report_type, marketplace_ids, start, end, report_options), True

    def _create(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None,
        end: datetime | None,
        report_options: dict[str, str] | None,
    ) -> str:
        report_id = self.client.create_report(
            report_type, marketplace_ids, start, end, report_options=report_options
        )
        self._remember(
            {
                "reportId": report_id,
                "reportType": report_type,
                "marketplaceIds": list(marketplace_ids),
                "dataStartTime": start.isoformat() if start else None,
                "dataEndTime": end.isoformat() if end else None,
                "processingStatus": IN_QUEUE,
                "createdTime": self._now().isoformat(),
            }
        )
        with self._lock:
            self.requested.add(report_id)
        return report_id

    # --- wait -------------------------------------------------------------------------------------

    def wait(self, report_id: str) -> ReportOutcome:
        """Poll ``getReport`` until DONE, CANCELLED or FATAL (interruptible, bounded)."""
        started = self._clock()
        interval = self.poll_initial
        while True:
            report = self.client.get_report(report_id)
            status = str(report.get("processingStatus") or "")
            if status in TERMINAL_STATUSES:
                document_id = report.get("reportDocumentId")
                return ReportOutcome(report_id, status, str(document_id) if document_id else None, report)
            waited = self._clock() - started
            if waited + interval > self.poll_max_seconds:
                raise ReportTimedOut(report_id, waited, status or "unknown")
            self.cancel.wait(interval)
            interval = min(interval * 2.0, self.poll_max_interval)

    # --- the whole workflow -----------------------------------------------------------------------

    def fetch_rows(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None,
        end: datetime | None,
        *,
        report_options: dict[str, str] | None = None,
    ) -> ReportData:
        """Reuse or request a report, wait for it, and return its rows (or explicit no data).

        FATAL is retried ``fatal_retries`` times with a fresh report, then :class:`ReportFailed`.
        A CANCELLED report we did not request ourselves is requested again once, since someone may
        have cancelled it; a CANCELLED report we requested means "no data for this window".
        """
        fatal = 0
        fresh = False
        while True:
            if fresh:
                report_id = self._create(report_type, marketplace_ids, start, end, report_options)
                created = True
            else:
                report_id, created = self._find_or_create(
                    report_type, marketplace_ids, start, end, report_options
                )
            outcome = self.wait(report_id)
            with self._lock:
                self.requested.discard(report_id)
            if outcome.status == DONE:
                if outcome.document_id is None:
                    raise SpApiError(
                        200,
                        "InvalidResponse",
                        f"report {report_id} is DONE without a document",
                        "getReport",
                    )
                return ReportData(self, report_type, report_id, outcome.document_id, start, end)
            self._forget(report_id)
            if outcome.status == CANCELLED:
                if created:
                    return ReportData(self, report_type, report_id, None, start, end)
                fresh = True
                continue
            # FATAL
            fatal += 1
            log.warning(
                "report FATAL",
                extra={"report_id": report_id, "report_type": report_type, "attempt": fatal},
            )
            if fatal > self.fatal_retries:
                raise ReportFailed(
                    report_type, report_id, start, end, marketplace_ids, fatal, outcome.document_id
                )
            self.cancel.wait(backoff_delay(fatal, self.fatal_backoff, self.fatal_backoff * 8))
            fresh = True

    # --- documents --------------------------------------------------------------------------------

    def open_document(self, document_id: str) -> ReportDocument:
        """Fetch the document's (5-minute) URL; call it right before downloading."""
        issued = self._clock()
        body = self.client.get_report_document(document_id)
        url = body.get("url")
        if not url:
            raise SpApiError(200, "InvalidResponse", "document has no url", "getReportDocument")
        algorithm = str(body.get("compressionAlgorithm") or "").upper()
        document = ReportDocument(
            document_id,
            str(url),
            True if algorithm == "GZIP" else None,
            expires_at=issued + URL_LIFETIME - self.url_margin,
        )
        with self._lock:
            self._urls[document_id] = document
        return document

    def document_url(self, document_id: str) -> tuple[ReportDocument, bool]:
        """(the document's URL, True when it was reused): a cached URL that has not expired, or a
        fresh one from ``getReportDocument``. Expired entries are dropped on the way."""
        now = self._clock()
        with self._lock:
            for key in [k for k, d in self._urls.items() if d.expires_at <= now]:
                del self._urls[key]
            cached = self._urls.get(document_id)
        if cached is not None:
            return cached, True
        return self.open_document(document_id), False

    def _drop_url(self, document: ReportDocument) -> None:
        with self._lock:
            if self._urls.get(document.document_id) is document:
                del self._urls[document.document_id]

    def _stream(
        self, document: ReportDocument, required: Sequence[Sequence[str]] = ()
    ) -> Iterator[dict[str, str]]:
        self.client.stats.record_call(DOWNLOAD_OPERATION)
        try:
            with self.http.stream("GET", document.url) as response:
                if response.status_code == 403:
                    raise DocumentUrlRejected(document.document_id, "download answered HTTP 403")
                if response.status_code != 200:
                    raise DocumentError(
                        document.document_id, f"download answered HTTP {response.status_code}"
                    )
                charset = charset_from_content_type(response.headers.get("content-type"))
                compressed = document.compressed
                if compressed is None and "gzip" in response.headers.get("content-encoding", "").lower():
                    compressed = True
                yield from parse_flat_file(
                    self._chunks(response.iter_raw(self.chunk_size)),
                    compressed=compressed,
                    charset=charset,
                    document_id=document.document_id,
                    required=required,
                )
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise DocumentError(document.document_id, f"download interrupted: {type(exc).__name__}") from None

    def _chunks(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.cancel.raise_if_cancelled()
            yield chunk

    def iter_rows(
        self, document_id: str, *, required: Sequence[Sequence[str]] = ()
    ) -> Iterator[dict[str, str]]:
        """Stream a document's rows (dicts keyed by header name), each row delivered once.

        A truncated or corrupt download is retried (bounded by ``download_retries``); rows already
        delivered are skipped on the retry. The retry reuses the document's URL while it has not
        expired (no ``getReportDocument`` call); a reused URL that answers 403 is replaced by a fresh
        one at once, without counting as a failed attempt. A document that arrived whole is never
        downloaded again: bytes its charset cannot decode mark their row
        alone, and a missing or incomplete header (``required``: each entry lists one column's
        accepted names) raises :class:`DocumentUnreadable` at once.
        """
        delivered = 0
        failures = 0
        while True:
            document, reused = self.document_url(document_id)
            seen = 0
            try:
                for row in self._stream(document, required):
                    seen += 1
                    if seen <= delivered:
                        continue
                    delivered += 1
                    yield row
                return
            except DocumentError as exc:
                if isinstance(exc, DocumentUrlRejected):
                    self._drop_url(document)
                    if reused:  # expired earlier than our clock said: refresh, not a failure
                        log.info("report document url refreshed", extra={"document_id": document_id})
                        continue
                failures += 1
                self.client.stats.record_retry(DOWNLOAD_OPERATION)
                if failures > self.download_retries:
                    self.client.stats.record_error(DOWNLOAD_OPERATION)
                    raise DocumentDownloadFailed(document_id, failures, exc) from exc
                log.warning(
                    "report document retry",
                    extra={"document_id": document_id, "attempt": failures, "error": str(exc)},
                )
                self.cancel.wait(backoff_delay(failures, self.download_backoff, self.download_backoff * 30))

    # --- settlements and cancellation -------------------------------------------------------------

    def list_settlement_reports(self, since: datetime) -> list[dict[str, Any]]:
        """DONE settlement reports created since ``since`` (Amazon keeps 90 days), oldest first."""
        floor = self._now() - REPORT_RETENTION + timedelta(minutes=5)
        reports = list(
            self.client.get_reports(
                [SETTLEMENT_REPORT_TYPE],
                processing_statuses=[DONE],
                created_since=max(since, floor),
            )
        )
        reports.sort(key=lambda r: (str(r.get("dataStartTime") or ""), str(r.get("reportId"))))
        return reports

    def cancel_pending(self, report_ids: Iterable[str], cancel: CancelToken | None = None) -> dict[str, str]:
        """Cancel reports we requested and no longer need; returns report id → outcome.

        Runs with its own (uncancelled) token by default, since it is usually called after the
        sync's token was cancelled. A report that already finished answers a 4xx: that outcome is
        reported (``"error: <code>"``), not raised, so every report gets its cancellation attempt.
        """
        token = cancel or CancelToken()
        outcomes: dict[str, str] = {}
        for report_id in report_ids:
            try:
                self.client.cancel_report(report_id, cancel=token)
            except SpApiError as exc:
                outcomes[report_id] = f"error: {exc.code}"
                log.info(
                    "report not cancelled",
                    extra={"report_id": report_id, "code": exc.code, "status": exc.status},
                )
            else:
                outcomes[report_id] = "cancelled"
            self._forget(report_id)
        return outcomes
