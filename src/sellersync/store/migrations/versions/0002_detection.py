"""detection: detection_runs, seller_products, and claim bookkeeping columns

An independent branch from 0001 (0002_accounts is another); ``sellersync.store.migrate.upgrade``
applies every head.

Revision ID: 0002_detection
Revises: 0001
Create Date: 2026-11-28 21:30:22.801802
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sellersync.store.types

revision: str = "0002_detection"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "detection_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("sync_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("today", sellersync.store.types.UTCDateTime(), nullable=True),
        sa.Column("claims_found", sa.Integer(), nullable=False),
        sa.Column("claims_written", sa.Integer(), nullable=False),
        sa.Column("recoverable", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sellersync.store.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", sellersync.store.types.UTCDateTime(), nullable=True),
        sa.Column("completed_at", sellersync.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["amazon_connections.id"],
            name=op.f("fk_detection_runs_connection_id_amazon_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_detection_runs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_runs")),
    )
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_detection_runs_connection_created", ["connection_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_detection_runs_sync_id"), ["sync_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detection_runs_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "seller_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_id", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=80), nullable=False),
        sa.Column("fnsku", sa.String(length=20), nullable=False),
        sa.Column("asin", sa.String(length=20), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("length_in", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("width_in", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("height_in", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("weight_lb", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sellersync.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["amazon_connections.id"],
            name=op.f("fk_seller_products_connection_id_amazon_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seller_products")),
        sa.UniqueConstraint("connection_id", "marketplace_id", "sku", name="uq_seller_products_key"),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detection_run_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sellersync.store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("detection_run_id")

    op.drop_table("seller_products")
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_runs_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_detection_runs_sync_id"))
        batch_op.drop_index("ix_detection_runs_connection_created")

    op.drop_table("detection_runs")
