"""The LWA website authorization workflow (FACTS §1): consent URL, state, callback completion.

A state is ``<nonce>.<signature>``: the nonce is random and stored (bound to the user and workspace
that asked, with its region, expiry and use), the signature is an HMAC of the nonce and the user id
under a key derived from ``SELLERSYNC_SECRET_KEY``. A state is accepted once, by the user it was
issued to, before it expires. Nothing here logs, returns or raises a token value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sellersync.amazon import AccessTokenCache, RateLimiter
from sellersync.amazon.errors import AmazonError, LwaError
from sellersync.amazon.regions import REGIONS, get_region, region_for_marketplace
from sellersync.config import Settings
from sellersync.connections import add_connection
from sellersync.runtime import Runtime
from sellersync.secrets import DEV_KEY_MATERIAL
from sellersync.store.models import AmazonConnection, OAuthState
from sellersync.store.types import utcnow
from sellersync.sync.service import SyncInProgress

CALLBACK_PATH = "/api/amazon/callback"
CONSENT_PATH = "/apps/authorize/consent"


class ConnectFailed(Exception):
    """The connect flow stopped; ``str(exc)`` says why in words fit for the seller (never a token)."""

    def __init__(self, title: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.title, self.message, self.status = title, message, status


def _key(settings: Settings) -> bytes:
    material = settings.secret_key or DEV_KEY_MATERIAL
    return hashlib.sha256(b"sellersync-oauth-state\x00" + material.encode()).digest()


def _sign(settings: Settings, nonce: str, user_id: int) -> str:
    mac = hmac.new(_key(settings), f"{nonce}:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def region_code(settings: Settings, requested: str | None) -> str:
    code = (requested or settings.amazon_region).upper()
    offered = [r for r in settings.region_list() if r in REGIONS]
    if code not in offered:
        raise ConnectFailed("Unknown region", f"region must be one of {', '.join(offered)}")
    return code


def issue_state(s: Session, settings: Settings, *, user_id: int, workspace_id: int, region: str) -> str:
    """Store a new single-use state for this user and return its signed form."""
    now = utcnow()
    s.execute(delete(OAuthState).where(OAuthState.expires_at < now - timedelta(days=1)))
    nonce = secrets.token_urlsafe(24)
    s.add(
        OAuthState(
            id=nonce,
            user_id=user_id,
            workspace_id=workspace_id,
            region=region,
            expires_at=now + timedelta(seconds=settings.oauth_state_ttl_seconds),
        )
    )
    s.flush()
    return f"{nonce}.{_sign(settings, nonce, user_id)}"


def consent_url(settings: Settings, state: str, region: str) -> str:
    """Seller Central's consent page of the region (or ``SELLERSYNC_CONSENT_URL``)."""
    host = settings.consent_base_for(region) or None
    if host and host.rstrip("/").endswith(CONSENT_PATH):
        host = host.rstrip("/")[: -len(CONSENT_PATH)]
    return get_region(region).consent_url(
        settings.app_id, state, redirect_uri(settings), beta=settings.consent_beta, host=host
    )


@dataclass(frozen=True)
class AcceptedState:
    user_id: int
    workspace_id: int
    region: str


_REJECTED = "Start again"


def consume_state(s: Session, settings: Settings, state: str | None, *, user_id: int) -> AcceptedState:
    """Accept ``state`` once for ``user_id``; any presentation uses it up. Raises ConnectFailed."""
    if not state or len(state) > 200 or state.count(".") != 1:
        raise ConnectFailed(
            "Invalid request",
            f"The authorization request is not valid (no valid state). {_REJECTED} from the dashboard.",
        )
    nonce, signature = state.split(".")
    row = s.get(OAuthState, nonce)
    if row is None or not hmac.compare_digest(signature, _sign(settings, nonce, row.user_id)):
        raise ConnectFailed(
            "Invalid request",
            "This authorization request was not issued by sellersync (unknown or forged state). "
            f"{_REJECTED} from the dashboard.",
        )
    now = utcnow()
    used = s.execute(
        update(OAuthState).where(OAuthState.id == nonce, OAuthState.used_at.is_(None)).values(used_at=now)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        raise ConnectFailed(
            "Link already used",
            f"This authorization request was already used. {_REJECTED} from the dashboard.",
        )
    if row.user_id != user_id:
        raise ConnectFailed(
            "Wrong user",
            "This authorization request was started by another user; it has been cancelled. "
            f"{_REJECTED} while signed in as yourself.",
            status=403,
        )
    if row.expires_at <= now:
        raise ConnectFailed(
            "Link expired",
            f"This authorization request expired (it is valid for "
            f"{round(settings.oauth_state_ttl_seconds / 60)} minutes). {_REJECTED} from the dashboard.",
        )
    return AcceptedState(user_id=row.user_id, workspace_id=row.workspace_id, region=row.region)


@dataclass(frozen=True)
class Connected:
    connection_id: int
    sync_id: str
    created: bool


def _marketplaces(participations: list[dict[str, object]], region: str) -> tuple[str, list[str]]:
    """(region, marketplace ids of the seller in it): the state's region, or the seller's only one."""
    ids: list[str] = []
    for p in participations:
        market = p.get("marketplace")
        part = p.get("participation")
        mkt = market.get("id") if isinstance(market, dict) else None
        active = part.get("isParticipating", True) if isinstance(part, dict) else True
        if isinstance(mkt, str) and active:
            ids.append(mkt)
    regions: dict[str, list[str]] = {}
    for mkt in ids:
        try:
            regions.setdefault(region_for_marketplace(mkt).code, []).append(mkt)
        except KeyError:
            continue
    if region in regions:
        return region, sorted(set(regions[region]))
    if len(regions) == 1:
        (only,) = regions
        return only, sorted(set(regions[only]))
    raise ConnectFailed(
        "No marketplace",
        f"The Amazon seller account has no active marketplace in region {region}; nothing was connected.",
    )


def complete(runtime: Runtime, accepted: AcceptedState, *, code: str, selling_partner_id: str) -> Connected:
    """Exchange the code, read the marketplaces, store the connection, start the first sync.

    Either all of it happens or nothing is left behind: a connection this call created is removed
    again if its first sync cannot be started.
    """
    settings = runtime.settings
    if not code or not selling_partner_id or len(code) > 2000 or len(selling_partner_id) > 64:
        raise ConnectFailed(
            "Invalid answer from Amazon",
            "Amazon's answer lacks the authorization code or the seller id; nothing was connected.",
        )
    factory = runtime.jobs.api_factory
    with httpx.Client(timeout=settings.http_timeout_seconds) as http:
        lwa = factory.lwa(http)
        try:
            grant = lwa.exchange_code(code, redirect_uri(settings))
        except LwaError as exc:
            raise ConnectFailed(
                "Authorization failed",
                f"Amazon did not accept the authorization code ({exc.error}); it may have expired "
                "(codes last 5 minutes). Nothing was connected; start again from the dashboard.",
                status=502 if exc.retryable else 400,
            ) from None
        cache = AccessTokenCache()
        cache.put("oauth", grant.access_token, grant.expires_in)
        # the region the connect request chose (carried by the state): its endpoint, its marketplaces
        client = factory.client(
            accepted.region,
            "oauth",
            grant.refresh_token or "",
            http,
            token_cache=cache,
            limiter=RateLimiter(),
        )
        try:
            participations = client.get_marketplace_participations()
        except AmazonError as exc:
            raise ConnectFailed(
                "Amazon did not answer",
                f"Reading the seller's marketplaces failed ({type(exc).__name__}); nothing was connected. "
                "Try again in a few minutes.",
                status=502,
            ) from None
    region, markets = _marketplaces(participations, accepted.region)
    assert grant.refresh_token  # exchange_code guarantees one
    with runtime.uow() as s:
        created = (
            s.scalar(
                select(AmazonConnection.id).where(
                    AmazonConnection.selling_partner_id == selling_partner_id,
                    AmazonConnection.region == region,
                )
            )
            is None
        )
        try:
            conn = add_connection(
                s,
                runtime.box,
                workspace_id=accepted.workspace_id,
                selling_partner_id=selling_partner_id,
                region=region,
                refresh_token=grant.refresh_token,
                marketplace_ids=markets,
            )
        except PermissionError:
            raise ConnectFailed(
                "Already connected elsewhere",
                "This Amazon seller account is already connected to another sellersync workspace. "
                "Disconnect it there first; nothing was changed.",
                status=409,
            ) from None
        connection_id = conn.id
    cache_of_process = runtime.jobs.api_factory.token_cache
    cache_of_process.invalidate(str(connection_id))
    cache_of_process.put(str(connection_id), grant.access_token, grant.expires_in)
    try:
        sync_id = runtime.jobs.start(
            workspace_id=accepted.workspace_id, connection_id=connection_id, trigger="oauth"
        )
    except SyncInProgress as exc:
        sync_id = exc.sync_id
    except Exception:
        if created:
            with runtime.uow() as s:
                s.execute(delete(AmazonConnection).where(AmazonConnection.id == connection_id))
        cache_of_process.invalidate(str(connection_id))
        raise ConnectFailed(
            "Could not start the sync",
            "The first sync could not be started; nothing was connected. Try again.",
            status=500,
        ) from None
    return Connected(connection_id=connection_id, sync_id=sync_id, created=created)
