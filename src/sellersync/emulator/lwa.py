"""Login with Amazon: the token endpoint (``POST /auth/o2/token``) and the consent page.

Authorization codes are single-use and expire after 5 minutes; refresh tokens map to the seeded
seller and can be revoked; access tokens live one hour.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .clock import Clock, system_clock

DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.sellersync-dev"
DEFAULT_CLIENT_SECRET = "sellersync-dev-secret"
CODE_TTL = 300.0
ACCESS_TTL = 3600


@dataclass
class _Code:
    seller_id: str
    redirect_uri: str | None
    expires: float
    used: bool = False


@dataclass
class _Access:
    seller_id: str
    expires: float
    refresh_token: str


class LwaError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


class TokenStore:
    """Codes, refresh tokens and access tokens of one emulator."""

    def __init__(
        self,
        seller_id: str,
        refresh_token: str,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        clock: Clock = system_clock,
    ) -> None:
        self.seller_id = seller_id
        self.client_id = client_id
        self.client_secret = client_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, str] = {refresh_token: seller_id}  # token -> seller
        self._revoked: set[str] = set()
        self._access: dict[str, _Access] = {}

    # --- issuing --------------------------------------------------------------------------------
    def issue_code(self, redirect_uri: str | None) -> str:
        code = "ANsp" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(self.seller_id, redirect_uri, self._clock() + CODE_TTL)
        return code

    def _mint(self, seller_id: str, refresh_token: str) -> dict[str, object]:
        access = "Atza|" + secrets.token_urlsafe(48)
        self._access[access] = _Access(seller_id, self._clock() + ACCESS_TTL, refresh_token)
        return {
            "access_token": access,
            "refresh_token": refresh_token,
            "token_type": "bearer",
            "expires_in": ACCESS_TTL,
        }

    # --- grants ---------------------------------------------------------------------------------
    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.client_id or client_secret != self.client_secret:
            raise LwaError(401, "invalid_client", "Client authentication failed")

    def exchange_code(self, code: str, redirect_uri: str | None) -> dict[str, object]:
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.used or entry.expires <= self._clock():
                raise LwaError(400, "invalid_grant", "The request has an invalid grant parameter : code")
            if entry.redirect_uri is not None and entry.redirect_uri != redirect_uri:
                raise LwaError(
                    400, "invalid_grant", "The request has an invalid grant parameter : redirect_uri"
                )
            entry.used = True
            refresh = "Atzr|" + secrets.token_urlsafe(64)
            self._refresh[refresh] = entry.seller_id
            return self._mint(entry.seller_id, refresh)

    def refresh(self, refresh_token: str) -> dict[str, object]:
        with self._lock:
            seller = self._refresh.get(refresh_token)
            if seller is None or refresh_token in self._revoked:
                raise LwaError(
                    400,
                    "invalid_grant",
                    "The request has an invalid grant parameter : refresh_token",
                )
            return self._mint(seller, refresh_token)

    # --- checks and admin ---------------------------------------------------------------------
    def knows(self, *, code: str | None, refresh_token: str | None) -> bool:
        """Whether this store issued ``code`` or ``refresh_token`` (a multi-region server's routing)."""
        with self._lock:
            return (code is not None and code in self._codes) or (
                refresh_token is not None and refresh_token in self._refresh
            )

    def seller_for_access_token(self, token: str | None) -> str | None:
        if not token:
            return None
        with self._lock:
            entry = self._access.get(token)
            if entry is None or entry.expires <= self._clock():
                return None
            if entry.refresh_token in self._revoked:
                return None
            return entry.seller_id

    def revoke_all(self) -> int:
        """Revoke every refresh token of the seller (and the access tokens minted from them)."""
        with self._lock:
            before = len(self._revoked)
            self._revoked.update(self._refresh)
            return len(self._revoked) - before


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        cid, _, secret = raw.partition(":")
        return cid, secret
    return form.get("client_id"), form.get("client_secret")


async def token_endpoint(request: Request) -> Response:
    return await token_response(request.app.state.emu, request, await request.body())


async def token_response(emu: Any, request: Request, raw: bytes) -> Response:
    """Answer one token request with the token store of ``emu`` (one region's world)."""
    store: TokenStore = emu.lwa
    emu.stats.count("lwa.token")
    try:
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        form = {}
    try:
        grant = form.get("grant_type")
        if grant not in ("authorization_code", "refresh_token"):
            if grant is None:
                raise LwaError(400, "invalid_request", "The request is missing grant_type")
            raise LwaError(400, "unsupported_grant_type", f"Unsupported grant_type: {grant}")
        store.check_client(*_client_credentials(request, form))
        if grant == "authorization_code":
            code = form.get("code")
            if not code:
                raise LwaError(400, "invalid_request", "The request is missing code")
            body = store.exchange_code(code, form.get("redirect_uri"))
        else:
            token = form.get("refresh_token")
            if not token:
                raise LwaError(400, "invalid_request", "The request is missing refresh_token")
            body = store.refresh(token)
    except LwaError as exc:
        emu.stats.count(f"lwa.{exc.error}")
        return JSONResponse(
            {"error_description": exc.description, "error": exc.error}, status_code=exc.status
        )
    return JSONResponse(body, headers={"cache-control": "no-store", "pragma": "no-cache"})


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


async def consent_page(request: Request) -> Response:
    """Seller Central's consent page, auto-approving (or denying, with the deny_consent fault)."""
    emu = request.app.state.emu
    q = request.query_params
    redirect_uri = q.get("redirect_uri")
    state = q.get("state")
    if not q.get("application_id") or not redirect_uri or state is None:
        return PlainTextResponse("application_id, state and redirect_uri are required", status_code=400)
    emu.stats.count("lwa.consent")
    if emu.faults.config.deny_consent:
        return RedirectResponse(
            _with_query(redirect_uri, {"error": "access_denied", "state": state}), status_code=302
        )
    code = emu.lwa.issue_code(redirect_uri)
    params = {"state": state, "selling_partner_id": emu.world.seller_id, "spapi_oauth_code": code}
    return RedirectResponse(_with_query(redirect_uri, params), status_code=302)


routes = [
    Route("/auth/o2/token", token_endpoint, methods=["POST"]),
    Route("/apps/authorize/consent", consent_page, methods=["GET"]),
]
