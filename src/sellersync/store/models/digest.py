"""The daily digest's delivery ledger: one row per workspace, day and channel, before anything is sent.

The unique key ``(workspace_id, day, channel)`` is what makes "once a day" hold across server processes:
the first process to insert the row owns the day's digest; the row keeps the composed content (so a
retry sends the same message), the period it covers, and the state of the send (see docs/operations.md,
"Daily digest").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import UTCDateTime, utcnow

#: pending: composed, not yet tried · sending: a process holds it (until ``lease_until``) ·
#: sent · failed: the last try failed, tried again at ``next_attempt_at`` · gave_up: out of attempts ·
#: empty: nothing to report that day (nothing sent) · no_recipients: e-mail with nobody to send to.
DIGEST_STATUSES = ("pending", "sending", "sent", "failed", "gave_up", "empty", "no_recipients")


class DigestDelivery(Base):
    """One channel's digest of one workspace for one UTC day."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("workspace_id", "day", "channel", name="uq_digest_deliveries_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    status: Mapped[str] = mapped_column(String(20), default="pending")
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)  # exclusive
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)  # inclusive: the next digest starts here
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
