"""Request dependencies: the runtime, a database session, and the caller (whose workspace scopes all).

A caller is a signed-in user (session cookie, which is also how EventSource authenticates) or a
program with a per-user API token (``Authorization: Bearer ss_…``). In development only,
``SELLERSYNC_API_KEY`` is a shortcut that acts as an owner of the default workspace; it is refused
whenever ``SELLERSYNC_ENV`` is not ``development``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from sellersync.accounts import service as accounts
from sellersync.api.errors import ApiError
from sellersync.connections import default_workspace
from sellersync.runtime import Runtime

SESSION_COOKIE = "sellersync_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    workspace_id: int
    user_id: int | None = None  # None only for the development API key
    role: str = "owner"  # owner | member | read_only
    via: str = "api_key"  # session | token | api_key
    token_id: int | None = None

    @property
    def can_write(self) -> bool:
        return self.role in accounts.WRITE_ROLES

    def require_write(self, action: str) -> None:
        """403 for a read-only user (only ever called after the object was found in the workspace)."""
        if not self.can_write:
            raise ApiError(403, "forbidden", f"the {self.role} role cannot {action}")

    def require_user(self) -> int:
        if self.user_id is None:
            raise ApiError(403, "forbidden", "this needs a signed-in user or a user's API token")
        return self.user_id


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A read session; writes go through the job service's unit of work."""
    with runtime.uow() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def api_key_allowed(runtime: Runtime) -> bool:
    settings = runtime.settings
    return bool(settings.api_key) and settings.env == "development"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request, runtime: Runtime) -> None:
    """Cookie-authenticated writes must come from our own pages (CSRF defence besides SameSite=Lax)."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        raise ApiError(403, "forbidden", "cross-site request refused")
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {_origin(str(request.base_url)), _origin(runtime.settings.public_url)}
    if origin.lower() not in allowed:
        raise ApiError(403, "forbidden", "cross-origin request refused")


def caller_of(request: Request, runtime: Runtime) -> Caller | None:
    """The caller a request's credentials identify, or None; 401 for a bad Authorization header."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "unauthorized", "send Authorization: Bearer <API token>")
        if token.startswith(accounts.TOKEN_PREFIX):
            with runtime.uow() as s:
                found = accounts.token_principal(s, token)
            if found is None:
                raise ApiError(401, "unauthorized", "unknown or revoked API token")
            who, token_id = found
            return Caller(who.workspace_id, who.user_id, who.role, "token", token_id)
        key = runtime.settings.api_key
        if api_key_allowed(runtime) and hmac.compare_digest(token.encode(), key.encode()):
            return Caller(workspace_id=_default_workspace_id(request, runtime))
        raise ApiError(401, "unauthorized", "unknown or revoked API token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with runtime.uow() as s:
            signed_in = accounts.session_principal(s, cookie)
        if signed_in is not None:
            check_same_origin(request, runtime)
            return Caller(signed_in.workspace_id, signed_in.user_id, signed_in.role, "session")
    return None


def _default_workspace_id(request: Request, runtime: Runtime) -> int:
    cached: int | None = getattr(request.app.state, "default_workspace_id", None)
    if cached is None:
        with runtime.uow() as s:
            cached = default_workspace(s).id
        request.app.state.default_workspace_id = cached
    return cached


def get_caller(request: Request, runtime: RuntimeDep) -> Caller:
    caller = caller_of(request, runtime)
    if caller is None:
        raise ApiError(401, "unauthorized", "sign in, or send Authorization: Bearer <API token>")
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
