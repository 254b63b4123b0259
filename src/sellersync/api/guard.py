"""Requests the service cannot hold are answered 400 or 413 before any route reads them.

- A body larger than ``SELLERSYNC_MAX_BODY_BYTES`` is 413, whether it says so in ``Content-Length`` or
  streams past the limit.
- Text the store cannot hold is 400 wherever it is: a NUL character in the path or the query string,
  and in a JSON body a NUL or a lone surrogate in any string (key or value). PostgreSQL refuses NUL in
  text and neither database can encode a lone surrogate, so such a value would otherwise fail deep in
  a query (a 500). Routes still bound each field's length and range themselves.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: A lone surrogate, or NUL: characters a UTF-8 text column cannot store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def unstorable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def _bad_json_string(document: Any) -> str | None:
    """The path of the first string the store cannot hold in a decoded JSON document, if any.

    Iterative: a document nested as deep as the parser allows must not exhaust the stack here."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if unstorable_text(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if unstorable_text(key):
                    return where
                pending.append((where, item))
        elif isinstance(value, list):
            pending.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


async def _answer(send: Send, status: int, error: str, message: str) -> None:
    body = json.dumps({"error": error, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware: the body limit and the text check of path, query string and JSON body."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(
            scope.get("query_string", b"")
        ):
            await _answer(send, 400, "invalid_request", "the URL must not contain NUL characters")
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _answer(
                send, 413, "body_too_large", f"the body must be at most {self.max_body_bytes} bytes"
            )
            return
        if declared is None and b"transfer-encoding" not in headers and scope["method"] in BODYLESS:
            await self.app(scope, receive, send)
            return
        await self._buffered(
            scope, receive, send, json_body=b"json" in headers.get(b"content-type", b"").lower()
        )

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, *, json_body: bool) -> None:
        """Read the (bounded) body, check a JSON body's strings, then hand the same bytes to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _answer(
                    send, 413, "body_too_large", f"the body must be at most {self.max_body_bytes} bytes"
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if not json_body:
            await self.app(scope, _replay([_whole(body)], receive), send)
            return
        try:
            document = json.loads(body) if body.strip() else None
        except ValueError:
            document = None  # the route answers 400 for JSON it cannot read
        except RecursionError:
            await _answer(send, 400, "invalid_request", "the JSON body is nested too deeply")
            return
        where = _bad_json_string(document)
        if where is not None:
            await _answer(
                send, 400, "invalid_request", f"{where}: must not contain NUL characters or lone surrogates"
            )
            return
        await self.app(scope, _replay([_whole(body)], receive), send)


def _whole(body: bytes) -> Message:
    return {"type": "http.request", "body": body, "more_body": False}


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive callable that gives ``messages`` first, then (for disconnects) the real ``receive``."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
