"""sync runs: hand-backs apart from failed attempts, and a retry time for a run that gave up

Revision ID: 0009_run_attempts
Revises: 0008_window_free_keys
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sellersync.store.types

revision: str = "0009_run_attempts"
down_revision: str | None = "0008_window_free_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handbacks", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("claimed_at", sellersync.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("retries", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_retry_at", sellersync.store.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.alter_column("handbacks", server_default=None)
        batch_op.alter_column("retries", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_column("next_retry_at")
        batch_op.drop_column("retries")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("handbacks")
