"""Opaque, tamper-proof tokens (pagination tokens, document URLs): base64url JSON + HMAC.

Deterministic: the same payload and secret always give the same token, so paging answers are
byte-identical across runs of the same seed when the payload carries no time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


class InvalidToken(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode("utf-8")).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()[:12])

    def dumps(self, payload: dict[str, Any]) -> str:
        body = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def loads(self, token: str) -> dict[str, Any]:
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidToken("bad signature")
        try:
            payload = json.loads(_unb64(body))
        except ValueError as exc:
            raise InvalidToken("bad payload") from exc
        if not isinstance(payload, dict):
            raise InvalidToken("bad payload")
        return payload
