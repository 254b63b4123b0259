"""Errors raised by the SP-API client package.

Every failure is an exception with enough context to tell the user what is missing; nothing here
turns a failure into an empty result. Tokens and document URLs never appear in these messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any


class AmazonError(Exception):
    """Base class of every error of :mod:`sellersync.amazon`."""


class SpApiError(AmazonError):
    """A non-retryable SP-API answer (4xx) with Amazon's error code and message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        operation: str,
        details: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.operation = operation
        self.details = details
        text = f"{operation}: HTTP {status} {code}: {message}"
        if details:
            text += f" ({details})"
        super().__init__(text)

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


class LwaError(AmazonError):
    """The Login with Amazon token endpoint refused or failed a request."""

    def __init__(self, status: int | None, error: str, description: str = "") -> None:
        self.status = status
        self.error = error
        self.description = description
        text = f"LWA token request failed: {error}"
        if status is not None:
            text = f"LWA token request failed: HTTP {status} {error}"
        if description:
            text += f": {description}"
        super().__init__(text)

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


class AuthorizationRevoked(LwaError):
    """LWA answered ``invalid_grant``: the seller must reconnect (authorize the app again)."""

    def __init__(self, description: str = "", connection_id: str | None = None) -> None:
        self.connection_id = connection_id
        super().__init__(400, "invalid_grant", description)
        if connection_id is not None:
            self.args = (f"authorization revoked for connection {connection_id}: {description}",)


class RetriesExhausted(AmazonError):
    """A retryable failure (429, 5xx, timeout, connection error) persisted past the retry budget."""

    def __init__(self, operation: str, attempts: int, last_error: BaseException) -> None:
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(f"{operation}: gave up after {attempts} attempts; last error: {last_error}")


class ReportFailed(AmazonError):
    """A report ended FATAL on every attempt; the caller (the planner) may split the window."""

    def __init__(
        self,
        report_type: str,
        report_id: str | None,
        start: datetime | None,
        end: datetime | None,
        marketplace_ids: Sequence[str] = (),
        attempts: int = 1,
        document_id: str | None = None,
    ) -> None:
        self.report_type = report_type
        self.report_id = report_id
        self.start = start
        self.end = end
        self.marketplace_ids = tuple(marketplace_ids)
        self.attempts = attempts
        self.document_id = document_id
        window = f"{start.isoformat() if start else '?'} .. {end.isoformat() if end else '?'}"
        super().__init__(
            f"report {report_type} {window} ended FATAL after {attempts} attempt(s)"
            f" (last report id {report_id})"
        )


class ReportTimedOut(AmazonError):
    """A report stayed in flight longer than ``settings.report_poll_max_seconds``."""

    def __init__(self, report_id: str, waited_seconds: float, last_status: str) -> None:
        self.report_id = report_id
        self.waited_seconds = waited_seconds
        self.last_status = last_status
        super().__init__(f"report {report_id} still {last_status} after {waited_seconds:.0f}s of polling")


class DocumentError(AmazonError):
    """A report document download was truncated or corrupt (retryable: fetch a fresh URL)."""

    def __init__(self, document_id: str | None, reason: str) -> None:
        self.document_id = document_id
        self.reason = reason
        super().__init__(f"report document {document_id or '?'}: {reason}")


class DocumentUnreadable(AmazonError):
    """A document that arrived intact but cannot be read as its report: no header row, or a header
    without the columns its report type must have. Not a download failure (downloading it again
    gives the same bytes at once): the unit fails and is retried later, then named in ``partial``.
    ``report_id``: the report whose document it is, when known (never reused again)."""

    def __init__(self, document_id: str | None, reason: str, report_id: str | None = None) -> None:
        self.document_id = document_id
        self.reason = reason
        self.report_id = report_id
        super().__init__(f"report document {document_id or '?'}: {reason}")


class DocumentDownloadFailed(AmazonError):
    """A report document could not be downloaded intact within the retry budget."""

    def __init__(self, document_id: str, attempts: int, last_error: BaseException) -> None:
        self.document_id = document_id
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"report document {document_id}: gave up after {attempts} attempts; last error: {last_error}"
        )


def error_from_body(status: int, operation: str, body: Any) -> SpApiError:
    """Build an :class:`SpApiError` from an SP-API ``{"errors": [{code, message, details}]}`` body."""
    code, message, details = f"HTTP{status}", "", None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            code = str(first.get("code") or code)
            message = str(first.get("message") or "")
            raw_details = first.get("details")
            details = str(raw_details) if raw_details else None
    return SpApiError(status, code, message, operation, details)
