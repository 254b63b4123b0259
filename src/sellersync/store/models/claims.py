"""Claims: what detection found that Amazon owes the seller."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
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
    # open | reimbursed | resolved | dismissed
    marketplace_id: Mapped[str] = mapped_column(String(20), default="")
    sku: Mapped[str] = mapped_column(String(80), default="")
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money)
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
