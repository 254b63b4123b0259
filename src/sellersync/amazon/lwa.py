"""Login with Amazon: code exchange, refresh, and the per-connection access-token cache (FACTS §1).

Token values live only in objects whose ``repr`` hides them; they are never logged and never part
of an exception message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sellersync.amazon.errors import AuthorizationRevoked, LwaError

Clock = Callable[[], float]

REFRESH_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class TokenGrant:
    """An LWA token answer. ``repr`` never shows the tokens."""

    access_token: str = field(repr=False)
    expires_in: int
    token_type: str = "bearer"
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # on the cache's monotonic clock


class AccessTokenCache:
    """Access tokens keyed by connection id (one per seller connection, never one per process).

    Thread-safe; a token is considered stale ``margin`` seconds before it expires. Concurrent
    callers of :meth:`get_or_refresh` for one connection share a single refresh.
    """

    def __init__(self, *, clock: Clock = time.monotonic, margin: float = REFRESH_MARGIN_SECONDS):
        self._clock = clock
        self._margin = margin
        self._lock = threading.Lock()
        self._tokens: dict[str, AccessToken] = {}
        self._refresh_locks: dict[str, threading.Lock] = {}

    def get(self, connection_id: str) -> str | None:
        """The cached access token of a connection, or None if absent or about to expire."""
        with self._lock:
            token = self._tokens.get(connection_id)
            if token is None or self._clock() >= token.expires_at - self._margin:
                return None
            return token.value

    def put(self, connection_id: str, access_token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[connection_id] = AccessToken(access_token, self._clock() + expires_in)

    def invalidate(self, connection_id: str, access_token: str | None = None) -> None:
        """Forget a connection's token (only if it is still ``access_token``, when given)."""
        with self._lock:
            current = self._tokens.get(connection_id)
            if current is not None and (access_token is None or current.value == access_token):
                del self._tokens[connection_id]

    def get_or_refresh(self, connection_id: str, refresh: Callable[[], TokenGrant]) -> str:
        """The cached token, or a fresh one from ``refresh()`` (one refresh per connection at a time)."""
        token = self.get(connection_id)
        if token is not None:
            return token
        with self._lock:
            lock = self._refresh_locks.setdefault(connection_id, threading.Lock())
        with lock:
            token = self.get(connection_id)
            if token is not None:
                return token
            grant = refresh()
            self.put(connection_id, grant.access_token, grant.expires_in)
            return grant.access_token

    def __contains__(self, connection_id: object) -> bool:
        return isinstance(connection_id, str) and self.get(connection_id) is not None

    def __repr__(self) -> str:
        with self._lock:
            return f"AccessTokenCache(connections={len(self._tokens)})"


class LwaClient:
    """The LWA token endpoint (``POST …/auth/o2/token``, form-encoded)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, http: httpx.Client) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._http = http

    def __repr__(self) -> str:
        return f"LwaClient(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def exchange_code(self, code: str, redirect_uri: str) -> TokenGrant:
        """Exchange an ``spapi_oauth_code`` for a refresh token and a first access token."""
        try:
            grant = self._post(
                {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
            )
        except AuthorizationRevoked as exc:
            # an expired or reused code: nothing was revoked, the seller simply has to retry consent
            raise LwaError(400, "invalid_grant", exc.description) from None
        if not grant.refresh_token:
            raise LwaError(None, "invalid_response", "code exchange answered no refresh_token")
        return grant

    def refresh(self, refresh_token: str, connection_id: str | None = None) -> TokenGrant:
        """A new access token for a refresh token; ``invalid_grant`` → :class:`AuthorizationRevoked`."""
        try:
            return self._post({"grant_type": "refresh_token", "refresh_token": refresh_token})
        except AuthorizationRevoked as exc:
            if connection_id is None:
                raise
            raise AuthorizationRevoked(exc.description, connection_id) from None

    def _post(self, form: dict[str, str]) -> TokenGrant:
        data = {**form, "client_id": self.client_id, "client_secret": self._client_secret}
        try:
            response = self._http.post(
                self.token_url,
                data=data,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            # the message of a transport error names the URL, never the form body
            raise LwaError(None, type(exc).__name__, f"{self.token_url}: {exc}") from None
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error, description = "http_error", ""
            if isinstance(body, dict):
                error = str(body.get("error") or error)
                description = str(body.get("error_description") or "")
            if error == "invalid_grant":
                raise AuthorizationRevoked(description)
            raise LwaError(response.status_code, error, description)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise LwaError(response.status_code, "invalid_response", "no access_token in answer")
        return TokenGrant(
            access_token=str(body["access_token"]),
            expires_in=int(body.get("expires_in", 3600)),
            token_type=str(body.get("token_type", "bearer")),
            refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        )
