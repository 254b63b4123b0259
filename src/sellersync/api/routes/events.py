"""Server-Sent Events of the caller's syncs, read from the sync_events table (the source of truth).

Every event carries its table id; a client reconnecting with ``Last-Event-ID`` gets everything after
it. Comment heartbeats keep proxies open; a disconnect ends the generator and frees its resources.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy import func, select
from sse_starlette.sse import EventSourceResponse

from sellersync.api.deps import CurrentCaller, RuntimeDep
from sellersync.api.errors import ApiError
from sellersync.runtime import Runtime
from sellersync.store.models import SyncEvent

router = APIRouter(prefix="/api/sync", tags=["sync"])
BATCH = 500
MAX_EVENT_ID = 2**63 - 1  # a BIGINT


def _after(runtime: Runtime, workspace_id: int, last_id: int) -> list[dict[str, Any]]:
    with runtime.uow() as s:
        rows = s.scalars(
            select(SyncEvent)
            .where(SyncEvent.workspace_id == workspace_id, SyncEvent.id > last_id)
            .order_by(SyncEvent.id)
            .limit(BATCH)
        ).all()
        return [
            {
                "id": str(e.id),
                "event": e.type,
                "data": json.dumps(
                    {"type": e.type, **e.data, "createdAt": e.created_at.isoformat().replace("+00:00", "Z")}
                ),
            }
            for e in rows
        ]


def _latest(runtime: Runtime, workspace_id: int) -> int:
    with runtime.uow() as s:
        return int(
            s.scalar(select(func.max(SyncEvent.id)).where(SyncEvent.workspace_id == workspace_id)) or 0
        )


@router.get("/events")
async def sync_events(
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    since: Annotated[
        int | None, Query(ge=0, le=MAX_EVENT_ID, description="Replay events after this id.")
    ] = None,
) -> EventSourceResponse:
    """``sync.started``, ``sync.progress``, ``sync.log``, ``sync.completed``, ``sync.failed``,
    ``sync.cancelled``, ``detection.completed``: each with an id; ``Last-Event-ID`` replays."""
    if last_event_id is not None:
        text = last_event_id.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_EVENT_ID):
            raise ApiError(400, "invalid_request", "Last-Event-ID must be an event id") from None
        start = int(text)
    elif since is not None:
        start = since
    else:
        start = await asyncio.to_thread(_latest, runtime, caller.workspace_id)
    poll = runtime.settings.sse_poll_seconds

    async def stream() -> AsyncIterator[dict[str, Any]]:
        last = start
        while True:
            events = await asyncio.to_thread(_after, runtime, caller.workspace_id, last)
            for event in events:
                yield event
                last = int(event["id"])
            if len(events) < BATCH:
                if await request.is_disconnected():
                    return
                await asyncio.sleep(poll)

    return EventSourceResponse(stream(), ping=runtime.settings.sse_heartbeat_seconds)
