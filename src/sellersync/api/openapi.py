"""The OpenAPI document says what each route really answers: every status code and content type.

FastAPI documents only the success answer and a 422 for validation. sellersync answers 400 for
every request it cannot read (``api/errors.py`` and ``api/guard.py``), 401 and 403 on routes that need a
caller (those carry ``security``: ``api/deps.py`` declares how a caller authenticates), 404 for objects
not in the caller's workspace, 413 for oversized bodies, and some routes more (409 for a sync already
running, 429 for a locked-out sign-in, …). This module rewrites the generated document once, from each
operation's parameters and security and the table ``EXTRA`` below, so that a client generator or
schemathesis sees the answers the server gives.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. invalid_request, not_found."},
        "message": {"type": "string", "description": "What went wrong, in words."},
        "details": {
            "type": "array",
            "items": {"type": "object"},
            "description": "Per-field problems of an invalid request.",
        },
    },
    "additionalProperties": True,
}
REASONS = {
    400: "The request cannot be read: a parameter or body field is invalid, too long, out of range, "
    "or contains text the store cannot hold (NUL, lone surrogates).",
    401: "No valid credentials (sign in, or send Authorization: Bearer <API token>).",
    403: "The caller's role may not do this, or a signed-in write came from another origin.",
    404: "No such object in the caller's workspace (another workspace's objects are 404 too).",
    409: "Conflicts with the current state (e.g. a sync is already running).",
    413: "The body is larger than SELLERSYNC_MAX_BODY_BYTES.",
    429: "Too many failed sign-ins from this client for this address; try again in 15 minutes.",
    500: "The operation failed on the server side (recorded with its reason).",
    502: "Amazon answered with an error.",
    503: "The database is unavailable.",
}
HTML = {"text/html": {"schema": {"type": "string"}}}
#: Answers a route gives besides the ones derived from its signature: (method, path) -> status -> content
#: (None: the JSON error body).
EXTRA: dict[tuple[str, str], dict[int, dict[str, Any] | None]] = {
    ("post", "/api/auth/login"): {401: None, 403: None, 429: None},
    ("post", "/api/sync/start"): {404: None, 409: None},
    ("post", "/api/claims/detect"): {404: None, 409: None, 500: None},
    ("put", "/api/claims/products"): {404: None},
    ("get", "/health"): {503: None},
    ("get", "/metrics"): {
        200: {"text/plain": {"schema": {"type": "string"}}},
        401: None,
        404: None,
    },
    ("get", "/api/sync/events"): {
        200: {"text/event-stream": {"schema": {"type": "string", "description": "Server-Sent Events."}}}
    },
    ("get", "/api/claims/export"): {
        200: {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        }
    },
    ("get", "/api/amazon/callback"): {
        200: HTML,
        303: {},
        400: {**HTML, "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        401: HTML,
        403: HTML,
        409: HTML,
        500: HTML,
        502: HTML,
    },
}


def _error(status: int) -> dict[str, Any]:
    return {
        "description": REASONS.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _body_names(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Property names of an operation's JSON body (following one $ref, or anyOf[$ref, null])."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    for option in [schema, *schema.get("anyOf", [])]:
        ref = option.get("$ref", "")
        if ref:
            return set(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
    return set(schema.get("properties", {}))


def describe_answers(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``document`` (FastAPI's) in place so every operation lists the answers it gives."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            answers: dict[str, Any] = op.setdefault("responses", {})
            answers.pop("422", None)
            codes = {400}
            params = {p["name"] for p in op.get("parameters", [])}
            body = _body_names(op, schemas)
            if "requestBody" in op:
                codes.add(413)
            if op.get("security"):  # the route depends on get_caller
                codes |= {401, 403}
                if (
                    any(p["in"] == "path" for p in op.get("parameters", []))
                    or "connectionId" in params | body
                ):
                    codes.add(404)
            extra = EXTRA.get((method, path), {})
            for status in sorted(codes | set(extra)):
                content = extra.get(status)
                if content is None:
                    answers.setdefault(str(status), _error(status))
                elif status < 300 and str(status) in answers:
                    answers[str(status)]["content"] = content
                else:
                    answers[str(status)] = {
                        "description": REASONS.get(status, "See Other"),
                        "content": content,
                    }
                    if not content:
                        del answers[str(status)]["content"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Serve the rewritten document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = describe_answers(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
