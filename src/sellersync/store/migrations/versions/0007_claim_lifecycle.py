"""claim lifecycle: filed / denied / dismissed by a person, reimbursed by detection, audited; needs_cost

Revision ID: 0007_claim_lifecycle
Revises: 0006_digests
Create Date: 2026-12-02

Existing rows are carried forward (docs/detection.md, "Lifecycle"):
- ``resolved`` (detection saw the units found or returned) becomes ``dismissed`` by ``detection`` with
  the reason "units found or returned (detection)";
- ``reimbursed`` and ``dismissed`` stay, ``open`` stays;
- an amount of 0 was written for a claim whose unit value was unknown: it becomes NULL with
  ``needs_cost`` true (no rule reports a known value below the minimum claim amount).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sellersync.store.types

revision: str = "0007_claim_lifecycle"
down_revision: str | None = "0006_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOUND_NOTE = "units found or returned (detection)"


def upgrade() -> None:
    dt = sellersync.store.types.UTCDateTime()
    money = sa.Numeric(precision=18, scale=4, asdecimal=True)
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.alter_column("amount", existing_type=money, nullable=True)
        batch_op.add_column(sa.Column("needs_cost", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("status_at", dt, nullable=True))
        batch_op.add_column(sa.Column("status_by", sa.String(320), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("status_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("case_id", sa.String(100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("filed_at", dt, nullable=True))
        batch_op.add_column(sa.Column("filed_by", sa.String(320), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("amount_claimed", money, nullable=True))
        batch_op.add_column(sa.Column("amount_received", money, nullable=True))
        batch_op.add_column(sa.Column("received_ids", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("baseline_ids", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("received_complete", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        for col in (
            "needs_cost",
            "status_by",
            "status_note",
            "case_id",
            "filed_by",
            "received_ids",
            "baseline_ids",
            "received_complete",
        ):
            batch_op.alter_column(col, server_default=None)
    op.execute(
        sa.text(
            "UPDATE claims SET status = 'dismissed', status_by = 'detection', status_note = :note, "
            "status_at = resolved_at WHERE status = 'resolved'"
        ).bindparams(note=FOUND_NOTE)
    )
    op.execute(
        "UPDATE claims SET status_by = 'detection', status_at = resolved_at WHERE status = 'reimbursed'"
    )
    op.execute("UPDATE claims SET amount = NULL, needs_cost = true WHERE amount = 0")
    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("at", dt, nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_events_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_claim_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))
    op.drop_table("claim_events")
    op.execute("UPDATE claims SET amount = 0 WHERE amount IS NULL")
    op.execute("UPDATE claims SET status = 'open' WHERE status IN ('filed', 'denied')")
    op.execute(
        sa.text(
            "UPDATE claims SET status = 'resolved' WHERE status = 'dismissed' AND status_note = :note"
        ).bindparams(note=FOUND_NOTE)
    )
    money = sa.Numeric(precision=18, scale=4, asdecimal=True)
    with op.batch_alter_table("claims", schema=None) as batch_op:
        for col in (
            "received_complete",
            "baseline_ids",
            "received_ids",
            "amount_received",
            "amount_claimed",
            "filed_by",
            "filed_at",
            "case_id",
            "status_note",
            "status_by",
            "status_at",
            "needs_cost",
        ):
            batch_op.drop_column(col)
        batch_op.alter_column("amount", existing_type=money, nullable=False)
