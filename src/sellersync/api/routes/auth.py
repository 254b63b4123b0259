"""Sign-in for the dashboard: a server-side session behind an HttpOnly, SameSite=Lax cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sellersync.accounts import lockout
from sellersync.accounts import service as accounts
from sellersync.accounts.service import user_view
from sellersync.api.deps import (
    SESSION_COOKIE,
    CurrentCaller,
    RuntimeDep,
    check_same_origin,
    client_address,
    via_https,
)
from sellersync.api.errors import ApiError
from sellersync.runtime import Runtime
from sellersync.store.models import User

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginRequest(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


def _secure(request: Request, runtime: Runtime) -> bool:
    return via_https(request, runtime) or runtime.settings.public_url.startswith("https://")


@router.post("/login")
def login(body: LoginRequest, request: Request, response: Response, runtime: RuntimeDep) -> dict[str, Any]:
    """Check e-mail and password; set the session cookie. 401 for a wrong pair (same answer either way)."""
    check_same_origin(request, runtime, required=False)
    key = lockout.failure_key(body.email, client_address(request, runtime))
    with runtime.uow() as s:
        allowed = lockout.reserve_attempt(s, key)
    if not allowed:
        raise ApiError(429, "too_many_attempts", "too many failed sign-ins; try again in 15 minutes")
    with runtime.uow() as s:
        user = accounts.authenticate(s, body.email, body.password)
    if user is None:  # the reserved attempt stays counted as a failure
        raise ApiError(401, "invalid_credentials", "wrong e-mail address or password")
    settings = runtime.settings
    with runtime.uow() as s:
        lockout.clear_failures(s, key)
        user = s.get_one(User, user.id)
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            accounts.close_session(s, old)
        secret, _expires = accounts.open_session(s, user, timedelta(days=settings.session_days))
        view = user_view(s, user.id, user.workspace_id, user.role, "session")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_days * 86400),
        httponly=True,
        samesite="lax",
        secure=_secure(request, runtime),
        path="/",
    )
    return view


@router.post("/logout")
def logout(
    caller: CurrentCaller, request: Request, response: Response, runtime: RuntimeDep
) -> dict[str, Any]:
    """End this browser's session (an API token stays valid: revoke it with DELETE /api/tokens/{id})."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with runtime.uow() as s:
            accounts.close_session(s, cookie)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request, runtime),
    )
    return {"signedOut": True}


@router.get("/me")
def me(caller: CurrentCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """Who is calling: user, workspace, role, and how they authenticated (session, token, api_key)."""
    with runtime.uow() as s:
        return user_view(s, caller.user_id, caller.workspace_id, caller.role, caller.via)
