"""Workspaces, users and Amazon connections: who owns what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import UTCDateTime, utcnow


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="owner")  # owner | member | read_only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AmazonConnection(Base):
    """One seller authorization for one region; its refresh token is stored encrypted."""

    __tablename__ = "amazon_connections"
    __table_args__ = (
        UniqueConstraint("selling_partner_id", "region", name="uq_amazon_connections_seller_region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    selling_partner_id: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(4))  # NA | EU | FE
    marketplace_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(32), default="active")
    # active | reconnect_required | disconnected
    schedule_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule_interval_hours: Mapped[int] = mapped_column(Integer, default=6)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
