"""Request dependencies: the runtime, a database session, and the caller (whose workspace scopes all)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from sellersync.api.errors import ApiError
from sellersync.connections import default_workspace
from sellersync.runtime import Runtime


@dataclass(frozen=True)
class Caller:
    workspace_id: int


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A read session; writes go through the job service's unit of work."""
    with runtime.uow() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def get_caller(request: Request, runtime: RuntimeDep) -> Caller:
    """Until accounts land: one API key (SELLERSYNC_API_KEY) that acts for the default workspace."""
    expected = runtime.settings.api_key
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not expected:
        raise ApiError(401, "unauthorized", "the server has no SELLERSYNC_API_KEY configured")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <api key>")
    cached: int | None = getattr(request.app.state, "default_workspace_id", None)
    if cached is None:
        with runtime.uow() as s:
            cached = default_workspace(s).id
        request.app.state.default_workspace_id = cached
    return Caller(workspace_id=cached)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
