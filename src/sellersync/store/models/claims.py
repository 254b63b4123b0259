"""Claims: what detection found that Amazon owes the seller."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import Money, UTCDateTime, utcnow


class Claim(Base):
    """A finding with its evidence, amount and policy window; updated in place by its stable key."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("connection_id", "claim_key", name="uq_claims_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    claim_key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    # open | filed | reimbursed | denied | dismissed (sellersync.detect.kinds.ClaimStatus)
    marketplace_id: Mapped[str] = mapped_column(String(20), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal | None] = mapped_column(Money)  # None: needs the unit cost (needs_cost)
    needs_cost: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3), default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_date: Mapped[datetime] = mapped_column(UTCDateTime)
    window_status: Mapped[str] = mapped_column(String(20))  # not_yet_eligible | open | expired
    window_opens: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_id: Mapped[str] = mapped_column(String(36))
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detection_run_id: Mapped[str | None] = mapped_column(String(36))  # the run that last changed it
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it stopped being open
    # the last status change: when, by whom (a user's e-mail or "detection"), its reason or note
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_by: Mapped[str] = mapped_column(String(320), default="")
    status_note: Mapped[str] = mapped_column(Text, default="")
    # filing: the Seller Central case
    case_id: Mapped[str] = mapped_column(String(100), default="")
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_by: Mapped[str] = mapped_column(String(320), default="")
    # money Amazon paid for this claim after it was found (reimbursement ids beyond the baseline)
    amount_claimed: Mapped[Decimal | None] = mapped_column(Money)  # frozen at filing / first payment
    amount_received: Mapped[Decimal | None] = mapped_column(Money)
    received_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    baseline_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # already settled when found
    received_complete: Mapped[bool] = mapped_column(Boolean, default=False)


class ClaimEvent(Base):
    """One status change of a claim: who, when, from, to, and the note (case id or reason)."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(320))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
