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
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from sellersync.accounts import service as accounts
from sellersync.api.errors import ApiError, not_found
from sellersync.connections import default_workspace, workspace_connection_id
from sellersync.runtime import Runtime

SESSION_COOKIE = "sellersync_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_INT4 = 2**31 - 1


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


def check_same_origin(request: Request, runtime: Runtime, *, required: bool = True) -> None:
    """Cookie-authenticated writes must come from our own pages (CSRF defence besides SameSite=Lax).

    A write must say where it comes from: an ``Origin`` of this server (or of its public URL), or else
    ``Sec-Fetch-Site: same-origin`` (every current browser sends one or the other on a write). With
    ``required=False`` (the sign-in form, which has no session yet) a request that says neither is let
    through; one that names another site never is.
    """
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site == "cross-site":
        raise ApiError(403, "forbidden", "cross-site request refused")
    origin = request.headers.get("origin")
    if origin is not None:
        allowed = {_origin(str(request.base_url)), _origin(runtime.settings.public_url)}
        if origin.lower() not in allowed:
            raise ApiError(403, "forbidden", "cross-origin request refused")
        return
    if site == "same-origin" or not required:
        return
    raise ApiError(
        403, "forbidden", "a signed-in write needs an Origin or Sec-Fetch-Site: same-origin header"
    )


def client_address(request: Request, runtime: Runtime) -> str:
    """The address of the client: the direct peer, or the one a trusted proxy forwarded for.

    ``X-Forwarded-For`` is read only when the direct peer is one of ``SELLERSYNC_TRUSTED_PROXIES``
    (anyone else could write any address into it); its addresses are walked from the right, past the
    trusted proxies, to the first address no trusted proxy vouches for.
    """
    peer = request.client.host if request.client else ""
    trusted = runtime.settings.trusted_proxy_networks()
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _is_trusted(address, trusted):
            return address[:64]
    return peer


def via_https(request: Request, runtime: Runtime) -> bool:
    """Whether the client reached us over HTTPS: directly, or through a trusted proxy that says so."""
    if request.url.scheme == "https":
        return True
    trusted = runtime.settings.trusted_proxy_networks()
    peer = request.client.host if request.client else ""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return bool(trusted) and _is_trusted(peer, trusted) and proto == "https"


def _is_trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


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


# Declared so the OpenAPI document says which routes need a caller and how to be one; the values are
# read by caller_of (auto_error=False: these never answer by themselves).
_bearer = HTTPBearer(auto_error=False, description="A user's API token: Authorization: Bearer ss_…")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The dashboard's sign-in session.")


def get_caller(
    request: Request,
    runtime: RuntimeDep,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _session: Annotated[str | None, Depends(_cookie)],
) -> Caller:
    caller = caller_of(request, runtime)
    if caller is None:
        raise ApiError(401, "unauthorized", "sign in, or send Authorization: Bearer <API token>")
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def own_connection(
    s: Session, caller: Caller, connection_id: int | None, *, first: bool = False
) -> int | None:
    """This caller's connection: ``connection_id`` if it is one of the caller's workspace (404 if not:
    another workspace's connection is as unknown as a missing one). Without ``connection_id``: None,
    or with ``first`` the workspace's first connection (400 ``amazon_not_connected`` if it has none)."""
    if connection_id is None and not first:
        return None
    found = workspace_connection_id(s, workspace_id=caller.workspace_id, connection_id=connection_id)
    if found is None:
        if connection_id is not None:
            raise not_found("connection")
        raise ApiError(400, "amazon_not_connected", "this workspace has no Amazon connection")
    return found


ConnectionId = Annotated[int | None, Query(alias="connectionId", ge=1, le=MAX_INT4)]


def get_caller_connection(
    caller: CurrentCaller, runtime: RuntimeDep, connection_id: ConnectionId = None
) -> int | None:
    """``?connectionId=`` checked to be the caller's (404 otherwise); None when absent (all of them)."""
    if connection_id is None:
        return None
    with runtime.uow() as s:
        return own_connection(s, caller, connection_id)


def get_caller_first_connection(
    caller: CurrentCaller, runtime: RuntimeDep, connection_id: ConnectionId = None
) -> int:
    """``?connectionId=`` checked to be the caller's, defaulting to the workspace's first connection."""
    with runtime.uow() as s:
        found = own_connection(s, caller, connection_id, first=True)
    assert found is not None
    return found


CallerConnection = Annotated[int | None, Depends(get_caller_connection)]
"""The caller's connection named by ``?connectionId=`` (404 for another workspace's), or None for all."""
CallerFirstConnection = Annotated[int, Depends(get_caller_first_connection)]
"""The caller's connection named by ``?connectionId=``, else the workspace's first (400 without one)."""
