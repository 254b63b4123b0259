"""The sync ledger: runs, units, checkpoints, events and agent events. Job state lives here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sellersync.store.base import Base
from sellersync.store.types import UTCDateTime, utcnow

ACTIVE_STATUSES = ("queued", "running")


class SyncRun(Base):
    """One sync of one connection; ``id`` is the sync id carried by every row, event and claim."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        # At most one active run per connection, enforced by the database on both dialects.
        Index(
            "uq_sync_runs_one_active",
            "connection_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_sync_runs_connection_created", "connection_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual|oauth|schedule|cli
    kind: Mapped[str] = mapped_column(String(20), default="full")  # full | incremental
    status: Mapped[str] = mapped_column(String(20), default="queued")
    # queued | running | completed | partial | failed | cancelled: sync.states.RunStatus, changed only there
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    # attempts that failed (a crash that left a unit half done and committed none), plus the running one;
    # a hand-back (shutdown, database away, a worker lost before it ran a unit) does not count
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    handbacks: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the current worker took it
    # a run that gave up is queued again by the reaper at next_retry_at, at most max_run_retries times
    retries: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncUnit(Base):
    """A checkpointed piece of work: one stream, one marketplace, one date window."""

    __tablename__ = "sync_units"
    __table_args__ = (
        UniqueConstraint("sync_id", "stream", "marketplace_id", "window_start", name="uq_sync_units_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sync_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    stream: Mapped[str] = mapped_column(String(40))
    marketplace_id: Mapped[str] = mapped_column(String(20), default="")
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # pending | running | done | failed | cancelled: sync.states.UnitStatus, changed only there
    outcome: Mapped[str | None] = mapped_column(String(20))  # data | no_data
    rows: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    report_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncCheckpoint(Base):
    """The cursor of a stream for a connection: where the next incremental sync starts."""

    __tablename__ = "sync_checkpoints"
    __table_args__ = (
        UniqueConstraint("connection_id", "stream", "marketplace_id", name="uq_sync_checkpoints_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("amazon_connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    marketplace_id: Mapped[str] = mapped_column(String(20), default="")
    cursor: Mapped[datetime] = mapped_column(UTCDateTime)
    sync_id: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncEvent(Base):
    """What happened during a sync, in order; ``id`` is the SSE event id."""

    __tablename__ = "sync_events"
    __table_args__ = (Index("ix_sync_events_workspace_id_id", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer)
    sync_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentEvent(Base):
    """One row per sync (or detection) outcome, for the agents downstream."""

    __tablename__ = "agent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Integer, index=True)
    connection_id: Mapped[int] = mapped_column(Integer)
    sync_id: Mapped[str] = mapped_column(String(36), index=True)
    agent: Mapped[str] = mapped_column(String(40))  # data_sync | claim_detection
    outcome: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
