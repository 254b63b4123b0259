"""SP-API error bodies: ``{"errors": [{"code", "message", "details"}]}`` with the right status."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised by a handler; rendered as an SP-API ErrorList with ``status``."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


def invalid_input(message: str, details: str = "") -> ApiError:
    return ApiError(400, "InvalidInput", message, details)


def not_found(message: str = "Resource not found.", details: str = "") -> ApiError:
    return ApiError(404, "NotFound", message, details)


def unauthorized() -> ApiError:
    return ApiError(403, "Unauthorized", "Access to requested resource is denied.", "")


def quota_exceeded() -> ApiError:
    return ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
