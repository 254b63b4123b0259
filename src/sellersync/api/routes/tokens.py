"""API tokens for programs: created per user (shown once, stored hashed), listed, revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sellersync.accounts import service as accounts
from sellersync.api.deps import CurrentCaller, RuntimeDep
from sellersync.api.errors import not_found
from sellersync.store.models import ApiToken

router = APIRouter(prefix="/api/tokens", tags=["auth"])
MAX_INT4 = 2**31 - 1


class TokenRequest(BaseModel):
    name: str = Field("", max_length=100, description="A label to recognise the token by.")


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None


def token_view(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "createdAt": _iso(t.created_at),
        "lastUsedAt": _iso(t.last_used_at),
    }


@router.post("", status_code=201)
def create_token(
    caller: CurrentCaller, runtime: RuntimeDep, body: Annotated[TokenRequest | None, Body()] = None
) -> JSONResponse:
    """A new token acting as the caller; ``token`` is in this answer only and never again."""
    user_id = caller.require_user()
    with runtime.uow() as s:
        row, secret = accounts.create_token(s, user_id, body.name if body else "")
        view = token_view(row)
    return JSONResponse({**view, "token": secret}, status_code=201, headers={"cache-control": "no-store"})


@router.get("")
def list_tokens(caller: CurrentCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """The caller's own tokens (without their values)."""
    user_id = caller.require_user()
    with runtime.uow() as s:
        return {"items": [token_view(t) for t in accounts.tokens_of(s, user_id)]}


@router.delete("/{token_id}")
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=MAX_INT4)], caller: CurrentCaller, runtime: RuntimeDep
) -> dict[str, Any]:
    """Revoke one of the caller's tokens at once; another user's token is a 404."""
    user_id = caller.require_user()
    with runtime.uow() as s:
        if not accounts.revoke_token(s, user_id, token_id):
            raise not_found("token")
    return {"id": token_id, "revoked": True}
