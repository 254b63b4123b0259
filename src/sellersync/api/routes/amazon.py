"""Connecting Amazon: consent URL, OAuth callback, the workspace's connections, disconnect.

The callback is a browser navigation, so it answers HTML: a 303 to the dashboard with the id of the
first sync, or a small page that says what went wrong (and nothing half-connected is left).
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sellersync.accounts import oauth
from sellersync.api.deps import CurrentCaller, RuntimeDep, caller_of
from sellersync.api.errors import ApiError, not_found
from sellersync.store.models import AmazonConnection
from sellersync.sync import ledger

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/amazon", tags=["amazon"])
MAX_INT4 = 2**31 - 1

STATUS_MESSAGES = {
    "active": "connected",
    "reconnect_required": "Amazon refused the stored authorization: connect again to resume syncing",
    "disconnected": "disconnected; the stored authorization was deleted",
}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t else None


def connection_view(c: AmazonConnection) -> dict[str, Any]:
    return {
        "id": c.id,
        "sellingPartnerId": c.selling_partner_id,
        "region": c.region,
        "marketplaceIds": list(c.marketplace_ids or []),
        "status": c.status,
        "reconnectRequired": c.status == "reconnect_required",
        "message": STATUS_MESSAGES.get(c.status, c.status),
        "lastSyncedAt": _iso(c.last_synced_at),
        "createdAt": _iso(c.created_at),
        "updatedAt": _iso(c.updated_at),
    }


def page(title: str, message: str, status: int, dashboard: str = "/") -> HTMLResponse:
    """A small self-contained HTML page (no script, escaped text)."""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sellersync: {html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>
<p><a href="{html.escape(dashboard, quote=True)}">Back to the dashboard</a></p></body></html>
"""
    return HTMLResponse(
        body,
        status_code=status,
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@router.get("/connect")
def connect(
    caller: CurrentCaller,
    runtime: RuntimeDep,
    region: Annotated[str | None, Query(max_length=4, description="NA, EU or FE.")] = None,
) -> dict[str, Any]:
    """The Seller Central consent URL; its state is bound to the caller, single-use, valid 10 minutes."""
    user_id = caller.require_user()
    caller.require_write("connect Amazon")
    try:
        code = oauth.region_code(runtime.settings, region)
    except oauth.ConnectFailed as exc:
        raise ApiError(400, "invalid_request", exc.message) from None
    with runtime.uow() as s:
        state = oauth.issue_state(
            s, runtime.settings, user_id=user_id, workspace_id=caller.workspace_id, region=code
        )
    return {
        "url": oauth.consent_url(runtime.settings, state, code),
        "region": code,
        "expiresIn": int(runtime.settings.oauth_state_ttl_seconds),
    }


@router.get("/callback", response_class=HTMLResponse)
def callback(
    request: Request,
    runtime: RuntimeDep,
    state: Annotated[str | None, Query(max_length=300)] = None,
    spapi_oauth_code: Annotated[str | None, Query(max_length=2000)] = None,
    selling_partner_id: Annotated[str | None, Query(max_length=100)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Where Seller Central sends the seller back: validate, exchange, store, start the first sync."""
    settings = runtime.settings
    dashboard = settings.dashboard_url
    try:
        caller = caller_of(request, runtime)
    except ApiError:
        caller = None
    if caller is None or caller.user_id is None:
        return page(
            "Sign in first",
            "You are not signed in to sellersync in this browser, so the Amazon authorization cannot "
            "be accepted. Sign in and start the connection again.",
            401,
            dashboard,
        )
    failure: oauth.ConnectFailed | None = None
    with runtime.uow() as s:  # the state is used up even when it is rejected
        try:
            accepted = oauth.consume_state(s, settings, state, user_id=caller.user_id)
        except oauth.ConnectFailed as exc:
            failure = exc
    if failure is not None:
        log.info("amazon connect refused", extra={"reason": failure.title})
        return page(failure.title, failure.message, failure.status, dashboard)
    if caller.workspace_id != accepted.workspace_id or not caller.can_write:
        return page(
            "Not allowed",
            "Your account can no longer connect Amazon to this workspace; nothing was connected.",
            403,
            dashboard,
        )
    if error:
        denied = error == "access_denied"
        return page(
            "Authorization declined" if denied else "Authorization failed",
            "The Amazon authorization was declined, so nothing was connected. You can start again "
            "from the dashboard."
            if denied
            else f"Amazon reported an error ({error}); nothing was connected.",
            400,
            dashboard,
        )
    try:
        done = oauth.complete(
            runtime,
            accepted,
            code=spapi_oauth_code or "",
            selling_partner_id=selling_partner_id or "",
        )
    except oauth.ConnectFailed as exc:
        log.info("amazon connect failed", extra={"reason": exc.title})
        return page(exc.title, exc.message, exc.status, dashboard)
    log.info(
        "amazon connected",
        extra={"connection_id": done.connection_id, "sync_id": done.sync_id, "new_connection": done.created},
    )
    sep = "&" if "?" in dashboard else "?"
    return RedirectResponse(f"{dashboard}{sep}{urlencode({'syncId': done.sync_id})}", status_code=303)


@router.get("/connections")
def list_connections(caller: CurrentCaller, runtime: RuntimeDep) -> dict[str, Any]:
    """The workspace's Amazon connections with their status (``reconnect_required`` included)."""
    with runtime.uow() as s:
        rows = s.scalars(
            select(AmazonConnection)
            .where(AmazonConnection.workspace_id == caller.workspace_id)
            .order_by(AmazonConnection.id)
        )
        return {"items": [connection_view(c) for c in rows]}


@router.delete("/connection/{connection_id}")
def disconnect(
    connection_id: Annotated[int, Path(ge=1, le=MAX_INT4)], caller: CurrentCaller, runtime: RuntimeDep
) -> dict[str, Any]:
    """Delete the stored tokens and stop the connection's active sync; synced data stays."""
    with runtime.uow() as s:
        conn = s.get(AmazonConnection, connection_id)
        if conn is None or conn.workspace_id != caller.workspace_id:
            raise not_found("connection")
        caller.require_write("disconnect Amazon")
        active = ledger.active_run(s, conn.id)
        active_id = active.id if active is not None else None
        conn.refresh_token_encrypted = None
        conn.status = "disconnected"
        view = connection_view(conn)
    runtime.jobs.api_factory.token_cache.invalidate(str(connection_id))
    if active_id is not None:
        runtime.jobs.cancel(active_id, workspace_id=caller.workspace_id)
        runner = getattr(runtime, "runner", None)
        if runner is not None:
            runner.cancel_local(active_id)
    return {**view, "cancelledSyncId": active_id}
