"""Once a day per workspace and channel, whatever the number of server processes, via ``digest_deliveries``.

1. **Claim the day.** The first process to insert the ``(workspace, day, channel)`` row owns it; the row
   is inserted with the composed content, so every retry sends the same message. A racing insert hits
   the unique key and gives up.
2. **Take a send.** A conditional ``UPDATE … SET status='sending'`` of a due row (``pending``; ``failed``
   whose retry time came; ``sending`` whose lease lapsed because its process died) succeeds for exactly
   one process.
3. **Record the outcome**: ``sent``, or ``failed`` with the error and the time of the next try
   (``gave_up`` after ``digest_max_attempts``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sellersync.config import Settings
from sellersync.digest.compose import compose_digest, is_empty
from sellersync.digest.deliver import DeliveryFailed, email_message, post_webhook, send_email
from sellersync.store.models import DigestDelivery, User, Workspace
from sellersync.store.types import utcnow
from sellersync.store.uow import UnitOfWork

log = logging.getLogger(__name__)

CHANNELS = ("email", "webhook")
#: Roles whose users receive the e-mail digest when ``digest_email_to`` is empty.
RECIPIENT_ROLES = ("owner", "admin")
MAX_RETRY_SECONDS = 3600.0


@dataclass(frozen=True)
class DeliveryReport:
    delivery_id: int
    workspace_id: int
    day: str
    channel: str
    status: str
    attempts: int
    error: str | None


def enabled_channels(settings: Settings) -> list[str]:
    on = {"email": bool(settings.digest_smtp_host), "webhook": bool(settings.digest_webhook_url)}
    return [c for c in CHANNELS if on[c]]


def recipients(s: Session, settings: Settings, workspace_id: int) -> list[str]:
    configured = [a.strip() for a in settings.digest_email_to.split(",") if a.strip()]
    if configured:
        return configured
    return list(
        s.scalars(
            select(User.email)
            .where(User.workspace_id == workspace_id, User.role.in_(RECIPIENT_ROLES))
            .order_by(User.id)
        )
    )


def period_start(s: Session, workspace_id: int, channel: str | None, now: datetime) -> datetime:
    """Where the channel's previous digest ended (a day before ``now`` for the first one)."""
    where = [DigestDelivery.workspace_id == workspace_id]
    if channel is not None:
        where.append(DigestDelivery.channel == channel)
    last = s.scalar(select(func.max(DigestDelivery.period_end)).where(*where))
    return min(last, now) if last is not None else now - timedelta(days=1)


def compose_for(s: Session, settings: Settings, workspace_id: int, since: datetime, now: datetime) -> Any:
    return compose_digest(
        s,
        workspace_id=workspace_id,
        day=now.date(),
        since=since,
        until=now,
        public_url=settings.public_url,
        deadline_days=settings.digest_deadline_days,
    )


def claim_day(uow: UnitOfWork, settings: Settings, workspace_id: int, channel: str, now: datetime) -> bool:
    """Insert the day's row for the channel if nobody has; True when this call inserted it."""
    day = now.date()
    try:
        with uow() as s:
            exists = s.scalar(
                select(DigestDelivery.id).where(
                    DigestDelivery.workspace_id == workspace_id,
                    DigestDelivery.day == day,
                    DigestDelivery.channel == channel,
                )
            )
            if exists is not None:
                return False
            since = period_start(s, workspace_id, channel, now)
            content = compose_for(s, settings, workspace_id, since, now)
            to = recipients(s, settings, workspace_id) if channel == "email" else []
            status = "pending"
            if is_empty(content) and not settings.digest_send_empty:
                status = "empty"
            elif channel == "email" and not to:
                status = "no_recipients"
            s.add(
                DigestDelivery(
                    workspace_id=workspace_id,
                    day=day,
                    channel=channel,
                    status=status,
                    period_start=since,
                    period_end=now,
                    content=content,
                    recipients=to,
                    attempts=0,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:  # another process inserted the same (workspace, day, channel) first
        return False
    return True


def unclaimed(
    uow: UnitOfWork, channels: list[str], day: date, workspace_id: int | None
) -> list[tuple[int, str]]:
    """(workspace, channel) pairs without a row for ``day`` yet."""
    with uow() as s:
        q = select(Workspace.id).order_by(Workspace.id)
        if workspace_id is not None:
            q = q.where(Workspace.id == workspace_id)
        workspaces = list(s.scalars(q))
        rows = s.execute(
            select(DigestDelivery.workspace_id, DigestDelivery.channel).where(DigestDelivery.day == day)
        )
        done = {(ws, ch) for ws, ch in rows}
    return [(ws, ch) for ws in workspaces for ch in channels if (ws, ch) not in done]


def _due(now: datetime) -> Any:
    return or_(
        DigestDelivery.status == "pending",
        and_(DigestDelivery.status == "failed", DigestDelivery.next_attempt_at <= now),
        and_(DigestDelivery.status == "sending", DigestDelivery.lease_until < now),
    )


def due_deliveries(
    uow: UnitOfWork, channels: list[str], now: datetime, workspace_id: int | None = None
) -> list[int]:
    with uow() as s:
        q = select(DigestDelivery.id).where(_due(now), DigestDelivery.channel.in_(channels))
        if workspace_id is not None:
            q = q.where(DigestDelivery.workspace_id == workspace_id)
        return list(s.scalars(q.order_by(DigestDelivery.id)))


def take(uow: UnitOfWork, settings: Settings, delivery_id: int, now: datetime) -> DigestDelivery | None:
    """Move a due row to ``sending`` under a lease; None when another process took it first."""
    with uow() as s:
        taken = s.execute(
            update(DigestDelivery)
            .where(DigestDelivery.id == delivery_id, _due(now))
            .values(
                status="sending",
                attempts=DigestDelivery.attempts + 1,
                lease_until=now + timedelta(seconds=settings.digest_lease_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = s.get_one(DigestDelivery, delivery_id)
        s.expunge(row)
        return row


def send(settings: Settings, row: DigestDelivery) -> str | None:
    if row.channel == "email":
        return send_email(settings, email_message(settings, row.content, list(row.recipients), row.id))
    post_webhook(settings, row.content, row.id)
    return None


def record(
    uow: UnitOfWork, settings: Settings, row: DigestDelivery, now: datetime, error: str | None, sent: bool
) -> DeliveryReport:
    if sent:
        values: dict[str, Any] = {"status": "sent", "sent_at": utcnow(), "error": error}
    else:
        wait = min(settings.digest_retry_seconds * 2 ** (row.attempts - 1), MAX_RETRY_SECONDS)
        values = {
            "status": "gave_up" if row.attempts >= settings.digest_max_attempts else "failed",
            "error": error,
            "next_attempt_at": now + timedelta(seconds=wait),
        }
    with uow() as s:
        # only the holder of this attempt writes its outcome
        s.execute(
            update(DigestDelivery)
            .where(
                DigestDelivery.id == row.id,
                DigestDelivery.status == "sending",
                DigestDelivery.attempts == row.attempts,
            )
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
    report = DeliveryReport(
        row.id, row.workspace_id, row.day.isoformat(), row.channel, values["status"], row.attempts, error
    )
    if sent:
        log.info("digest delivered", extra={"digest": report.__dict__})
    else:
        log.warning("digest delivery failed", extra={"digest": report.__dict__})
    return report


def attempt(uow: UnitOfWork, settings: Settings, delivery_id: int, now: datetime) -> DeliveryReport | None:
    row = take(uow, settings, delivery_id, now)
    if row is None:
        return None
    try:
        note = send(settings, row)
    except DeliveryFailed as exc:
        return record(uow, settings, row, now, str(exc), sent=False)
    except Exception as exc:  # e.g. an address the e-mail library rejects: recorded, retried, bounded
        log.exception("digest delivery crashed", extra={"delivery_id": row.id})
        return record(uow, settings, row, now, f"{type(exc).__name__}: {exc}", sent=False)
    return record(uow, settings, row, now, note, sent=True)


def run_digests(
    uow: UnitOfWork,
    settings: Settings,
    *,
    now: datetime | None = None,
    workspace_id: int | None = None,
    on_schedule: bool = False,
) -> list[DeliveryReport]:
    """Claim today's digests (on the schedule: from ``digest_hour_utc`` on) and send every due one."""
    now = now or utcnow()
    channels = enabled_channels(settings)
    if not channels:
        return []
    if not on_schedule or now.hour >= settings.digest_hour_utc:
        for ws, channel in unclaimed(uow, channels, now.date(), workspace_id):
            try:
                claim_day(uow, settings, ws, channel, now)
            except Exception:  # one workspace's failure must not hold back the others' digests
                log.exception("digest compose failed", extra={"workspace_id": ws, "channel": channel})
    reports = []
    for delivery_id in due_deliveries(uow, channels, now, workspace_id):
        report = attempt(uow, settings, delivery_id, now)
        if report is not None:
            reports.append(report)
    return reports


def day_rows(uow: UnitOfWork, workspace_id: int | None, day: date) -> list[DeliveryReport]:
    """The ledger of one day, for the CLI."""
    with uow() as s:
        q = select(DigestDelivery).where(DigestDelivery.day == day)
        if workspace_id is not None:
            q = q.where(DigestDelivery.workspace_id == workspace_id)
        return [
            DeliveryReport(r.id, r.workspace_id, r.day.isoformat(), r.channel, r.status, r.attempts, r.error)
            for r in s.scalars(q.order_by(DigestDelivery.workspace_id, DigestDelivery.channel))
        ]


def digest_tick(uow: UnitOfWork, settings: Settings) -> Callable[[], None]:
    """The server scheduler's periodic call."""

    def digest() -> None:
        run_digests(uow, settings, on_schedule=True)

    return digest
