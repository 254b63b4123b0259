"""A thin synchronous SP-API client: paced, retried, cancellable, thread-safe (FACTS §2-§6).

Every call takes a token from its operation's bucket, sends the connection's cached access token in
``x-amz-access-token``, follows ``x-amzn-RateLimit-Limit``, retries 429/5xx/timeouts/connection
errors with exponential backoff and full jitter (bounded by ``settings.max_retries``), refreshes the
access token once on a 403 ``Unauthorized``, and raises :class:`SpApiError` for other 4xx.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from sellersync.amazon.cancel import CancelToken
from sellersync.amazon.errors import (
    AmazonError,
    LwaError,
    RetriesExhausted,
    SpApiError,
    error_from_body,
)
from sellersync.amazon.lwa import AccessTokenCache, LwaClient
from sellersync.amazon.ratelimit import RateLimiter
from sellersync.amazon.stats import CallStats
from sellersync.config import Settings

log = logging.getLogger(__name__)

USER_AGENT = "sellersync/0.1 (Language=Python)"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"

REPORTS = "/reports/2021-06-30"
ORDERS = "/orders/2026-01-01/orders"
# the Orders v2026-01-01 datasets the canonical order rows need: ship-to country (RECIPIENT, its
# non-PII part), amounts and currency (PROCEEDS), order status, channel and shipped quantities
# (FULFILLMENT). Items are always included.
ORDER_DATA = ("RECIPIENT", "PROCEEDS", "FULFILLMENT")


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix (``2025-03-14T08:12:45Z``); naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: SP-API times must be timezone-aware")
    utc = value.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: str) -> datetime:
    """Parse an SP-API ISO 8601 timestamp (``Z`` or offset) into an aware UTC datetime."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def backoff_delay(attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))]."""
    if attempt < 1:
        return 0.0
    ceiling = min(cap, base * (2.0 ** min(attempt - 1, 62)))
    return ceiling * rand()


def _csv(values: Sequence[str] | str) -> str:
    if isinstance(values, str):
        return values
    return ",".join(values)


class Unreachable(AmazonError):
    """The SP-API endpoint could not be reached (DNS, connection, timeout); the message names the URL."""


class _Retryable(Exception):
    """Internal: a failure the retry loop may repeat."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class SpApiClient:
    """SP-API operations of one seller connection. Thread-safe; share it between worker threads."""

    def __init__(
        self,
        endpoint: str,
        connection_id: str,
        refresh_token: str,
        lwa: LwaClient,
        token_cache: AccessTokenCache,
        limiter: RateLimiter,
        stats: CallStats,
        cancel: CancelToken,
        *,
        settings: Settings | None = None,
        http: httpx.Client | None = None,
        max_retries: int | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        settings = settings or Settings()
        self.endpoint = endpoint.rstrip("/")
        self.connection_id = connection_id
        self._refresh_token = refresh_token
        self.lwa = lwa
        self.token_cache = token_cache
        self.limiter = limiter.for_connection(connection_id)
        self.stats = stats
        self.cancel = cancel
        self.max_retries = settings.max_retries if max_retries is None else max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._rand = rand
        self._owns_http = http is None
        self.http = http or httpx.Client(timeout=settings.http_timeout_seconds)

    def __repr__(self) -> str:
        return f"SpApiClient(endpoint={self.endpoint!r}, connection_id={self.connection_id!r})"

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> SpApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---------------------------------------------------------------------------------

    def _access_token(self) -> str:
        return self.token_cache.get_or_refresh(
            self.connection_id,
            lambda: self.lwa.refresh(self._refresh_token, connection_id=self.connection_id),
        )

    def backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap, self._rand)

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """One SP-API operation, paced and retried; returns the decoded JSON body."""
        cancel = cancel or self.cancel
        url = self.endpoint + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        failures = 0
        refreshed = False
        while True:
            cancel.raise_if_cancelled()
            try:
                return self._attempt(operation, method, url, query, json, cancel)
            except _Retryable as exc:
                failures += 1
                last: BaseException = exc.error
                if failures > self.max_retries:
                    self.stats.record_error(operation)
                    raise RetriesExhausted(operation, failures, last) from last
                delay = self.backoff(failures)
                self.stats.record_retry(operation)
                log.warning(
                    "spapi retry",
                    extra={
                        "operation": operation,
                        "attempt": failures,
                        "delay": round(delay, 3),
                        "error": str(last),
                        "connection_id": self.connection_id,
                    },
                )
                cancel.wait(delay)
            except SpApiError as exc:
                if exc.status == 403 and exc.code == "Unauthorized" and not refreshed:
                    # the access token may have expired early or been revoked: refresh once
                    refreshed = True
                    self.token_cache.invalidate(self.connection_id)
                    continue
                self.stats.record_error(operation)
                raise
            except LwaError:
                self.stats.record_error(operation)
                raise

    def _attempt(
        self,
        operation: str,
        method: str,
        url: str,
        query: Mapping[str, Any],
        body: Any,
        cancel: CancelToken,
    ) -> dict[str, Any]:
        self.limiter.acquire(operation, cancel)
        try:
            token = self._access_token()
        except LwaError as exc:
            if exc.retryable:
                raise _Retryable(exc) from exc
            raise
        headers = {
            "x-amz-access-token": token,
            "user-agent": USER_AGENT,
            "accept": "application/json",
        }
        self.stats.record_call(operation)
        try:
            response = self.http.request(method, url, params=query, json=body, headers=headers)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            # name the URL tried (never the query or headers): "cannot reach Amazon" must say where
            raise _Retryable(Unreachable(f"{method} {url}: {type(exc).__name__}: {exc}")) from exc
        self.limiter.observe(operation, response.headers.get(RATE_LIMIT_HEADER))
        status = response.status_code
        if 200 <= status < 300:
            if not response.content:
                return {}
            try:
                decoded = response.json()
            except ValueError as exc:
                raise _Retryable(
                    SpApiError(status, "InvalidResponse", "response is not JSON", operation)
                ) from exc
            return decoded if isinstance(decoded, dict) else {"payload": decoded}
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        error = error_from_body(status, operation, payload)
        if status == 429:
            self.stats.record_throttle(operation)
            self.limiter.penalize(operation)
            raise _Retryable(error)
        if status >= 500:
            raise _Retryable(error)
        raise error

    def _pages(
        self,
        operation: str,
        path: str,
        first: Mapping[str, Any],
        next_params: Callable[[str], Mapping[str, Any]],
        next_token: Callable[[dict[str, Any]], str | None],
    ) -> Iterator[dict[str, Any]]:
        """Yield each page's body, following the next-token until it is absent."""
        params: Mapping[str, Any] = first
        while True:
            body = self.request(operation, "GET", path, params=params)
            yield body
            token = next_token(body)
            if not token:
                return
            params = next_params(token)

    # --- Sellers ----------------------------------------------------------------------------------

    def get_marketplace_participations(self) -> list[dict[str, Any]]:
        body = self.request("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")
        return list(body.get("payload") or [])

    # --- Orders 2026-01-01 ------------------------------------------------------------------------

    def search_orders(
        self,
        marketplace_ids: Sequence[str],
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        fulfillment_statuses: Sequence[str] | None = None,
        fulfilled_by: Sequence[str] | None = None,
        included_data: Sequence[str] = ORDER_DATA,
        max_results_per_page: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Orders (v2026-01-01 ``Order`` objects, items included) matching the filters.

        Follows ``pagination.nextToken``, sent back as ``paginationToken`` with every other
        parameter unchanged (FACTS §4); ``pagination`` is absent on the last page.
        """
        if (created_after is None) == (last_updated_after is None):
            raise ValueError("give exactly one of created_after or last_updated_after")
        params: dict[str, Any] = {
            "marketplaceIds": _csv(marketplace_ids),
            "createdAfter": format_datetime(created_after) if created_after else None,
            "createdBefore": format_datetime(created_before) if created_before else None,
            "lastUpdatedAfter": format_datetime(last_updated_after) if last_updated_after else None,
            "lastUpdatedBefore": (format_datetime(last_updated_before) if last_updated_before else None),
            "fulfillmentStatuses": _csv(fulfillment_statuses) if fulfillment_statuses else None,
            "fulfilledBy": _csv(fulfilled_by) if fulfilled_by else None,
            "includedData": _csv(included_data) if included_data else None,
            "maxResultsPerPage": max_results_per_page,
        }
        for body in self._pages(
            "searchOrders",
            ORDERS,
            params,
            lambda token: {**params, "paginationToken": token},
            lambda body: (body.get("pagination") or {}).get("nextToken"),
        ):
            yield from body.get("orders") or []

    # --- Reports 2021-06-30 -----------------------------------------------------------------------

    def create_report(
        self,
        report_type: str,
        marketplace_ids: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        report_options: Mapping[str, str] | None = None,
    ) -> str:
        """Request a report; returns its ``reportId``."""
        spec: dict[str, Any] = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}
        if start is not None:
            spec["dataStartTime"] = format_datetime(start)
        if end is not None:
            spec["dataEndTime"] = format_datetime(end)
        if report_options:
            spec["reportOptions"] = dict(report_options)
        body = self.request("createReport", "POST", f"{REPORTS}/reports", json=spec)
        report_id = body.get("reportId")
        if not report_id:
            raise SpApiError(200, "InvalidResponse", "createReport answered no reportId", "createReport")
        return str(report_id)

    def get_report(self, report_id: str) -> dict[str, Any]:
        """The ``Report`` object (processingStatus, reportDocumentId, data times, ...)."""
        return self.request("getReport", "GET", f"{REPORTS}/reports/{quote(report_id, safe='')}")

    def get_reports(
        self,
        report_types: Sequence[str],
        *,
        processing_statuses: Sequence[str] | None = None,
        marketplace_ids: Sequence[str] | None = None,
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Reports matching the filters; follow-up pages send ``nextToken`` alone (FACTS §3)."""
        params: dict[str, Any] = {
            "reportTypes": _csv(report_types),
            "processingStatuses": _csv(processing_statuses) if processing_statuses else None,
            "marketplaceIds": _csv(marketplace_ids) if marketplace_ids else None,
            "createdSince": format_datetime(created_since) if created_since else None,
            "createdUntil": format_datetime(created_until) if created_until else None,
            "pageSize": page_size,
        }
        for body in self._pages(
            "getReports",
            f"{REPORTS}/reports",
            params,
            lambda token: {"nextToken": token},
            lambda body: body.get("nextToken"),
        ):
            yield from body.get("reports") or []

    def cancel_report(self, report_id: str, *, cancel: CancelToken | None = None) -> None:
        self.request(
            "cancelReport",
            "DELETE",
            f"{REPORTS}/reports/{quote(report_id, safe='')}",
            cancel=cancel,
        )

    def get_report_document(self, document_id: str) -> dict[str, Any]:
        """``{reportDocumentId, url, compressionAlgorithm?}``: download the URL within 5 minutes."""
        return self.request("getReportDocument", "GET", f"{REPORTS}/documents/{quote(document_id, safe='')}")

    # --- Finances v0 ------------------------------------------------------------------------------

    def list_financial_events(
        self,
        posted_after: datetime,
        posted_before: datetime | None = None,
        *,
        max_results_per_page: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """Each page's ``FinancialEvents`` object (lists keyed ``ShipmentEventList`` etc.)."""
        params: dict[str, Any] = {
            "PostedAfter": format_datetime(posted_after),
            "PostedBefore": format_datetime(posted_before) if posted_before else None,
            "MaxResultsPerPage": max_results_per_page,
        }
        for body in self._pages(
            "listFinancialEvents",
            "/finances/v0/financialEvents",
            params,
            lambda token: {**params, "NextToken": token},
            lambda body: (body.get("payload") or {}).get("NextToken"),
        ):
            yield (body.get("payload") or {}).get("FinancialEvents") or {}

    # --- FBA Inventory ----------------------------------------------------------------------------

    def get_inventory_summaries(
        self,
        marketplace_id: str,
        *,
        details: bool = True,
        start: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """``InventorySummary`` objects of one marketplace (with details), following ``nextToken``."""
        params: dict[str, Any] = {
            "granularityType": "Marketplace",
            "granularityId": marketplace_id,
            "marketplaceIds": marketplace_id,
            "details": "true" if details else "false",
            "startDateTime": format_datetime(start) if start else None,
        }
        for body in self._pages(
            "getInventorySummaries",
            "/fba/inventory/v1/summaries",
            params,
            lambda token: {**params, "nextToken": token},
            lambda body: (body.get("pagination") or {}).get("nextToken"),
        ):
            yield from (body.get("payload") or {}).get("inventorySummaries") or []

    # --- FBA Inbound v0 ---------------------------------------------------------------------------

    def get_inbound_shipments(
        self, marketplace_id: str, updated_after: datetime, updated_before: datetime
    ) -> Iterator[dict[str, Any]]:
        """``InboundShipmentInfo`` objects updated in the range (QueryType DATE_RANGE, then NEXT_TOKEN)."""
        params: dict[str, Any] = {
            "QueryType": "DATE_RANGE",
            "MarketplaceId": marketplace_id,
            "LastUpdatedAfter": format_datetime(updated_after),
            "LastUpdatedBefore": format_datetime(updated_before),
        }
        for body in self._pages(
            "getShipments",
            "/fba/inbound/v0/shipments",
            params,
            lambda token: {
                "QueryType": "NEXT_TOKEN",
                "MarketplaceId": marketplace_id,
                "NextToken": token,
            },
            lambda body: (body.get("payload") or {}).get("NextToken"),
        ):
            yield from (body.get("payload") or {}).get("ShipmentData") or []

    def get_inbound_shipment_items(
        self, shipment_id: str, marketplace_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``InboundShipmentItem`` objects of one shipment (QuantityShipped, QuantityReceived, ...)."""
        body = self.request(
            "getShipmentItemsByShipmentId",
            "GET",
            f"/fba/inbound/v0/shipments/{quote(shipment_id, safe='')}/items",
            params={"MarketplaceId": marketplace_id},
        )
        return list((body.get("payload") or {}).get("ItemData") or [])
