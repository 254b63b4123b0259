"""Detection's own tables: its job runs, and the seller's product facts that valuation needs.

``detection_runs`` is the job record of one detection (DESIGN.md step 6): its status lives here, not
in the sync's row. ``seller_products`` holds what Amazon's reports do not say about a product: the
seller's manufacturing cost (what FACTS §8 values a pre-order loss at) and, when known, its package
dimensions (which decide the FBA size tier and so the fulfillment fee). Detection works without it,
falling back to values read from the store (see docs/detection.md, "Valuation").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import Money, UTCDateTime, utcnow

DETECTION_STATUSES = ("queued", "running", "completed", "failed")


class DetectionRun(Base):
    """One detection job over one connection's canonical data, after (or on behalf of) one sync."""

    __tablename__ = "detection_runs"
    __table_args__ = (Index("ix_detection_runs_connection_created", "connection_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    sync_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|completed|failed
    today: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the date windows were computed for
    claims_found: Mapped[int] = mapped_column(Integer, default=0)
    claims_written: Mapped[int] = mapped_column(Integer, default=0)  # inserted or changed
    recoverable: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"USD": "12.34"}
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per type, per window, timings
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SellerProduct(Base):
    """What the seller knows about a SKU in a marketplace: unit cost and package dimensions."""

    __tablename__ = "seller_products"
    __table_args__ = (
        UniqueConstraint("connection_id", "marketplace_id", "sku", name="uq_seller_products_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    marketplace_id: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str] = mapped_column(String(80))
    fnsku: Mapped[str] = mapped_column(String(20), default="")
    asin: Mapped[str] = mapped_column(String(20), default="")
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)  # manufacturing cost, marketplace currency
    currency: Mapped[str] = mapped_column(String(3), default="")
    length_in: Mapped[Decimal | None] = mapped_column(Money)
    width_in: Mapped[Decimal | None] = mapped_column(Money)
    height_in: Mapped[Decimal | None] = mapped_column(Money)
    weight_lb: Mapped[Decimal | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(20), default="seller")  # seller | catalog
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
