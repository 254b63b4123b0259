"""order items: a line number, so two lines of one SKU in one order are two rows

Revision ID: 0004_order_item_line
Revises: 0003_merge
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_order_item_line"
down_revision: str | Sequence[str] | None = "0003_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows are every order's first line of their SKU: line 0.
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_order_items_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_order_items_key", ["connection_id", "amazon_order_id", "sku", "line"]
        )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.alter_column("line", server_default=None)


def downgrade() -> None:
    # Lines after the first of an SKU cannot survive the narrower key.
    op.execute("DELETE FROM order_items WHERE line > 0")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_constraint("uq_order_items_key", type_="unique")
        batch_op.create_unique_constraint("uq_order_items_key", ["connection_id", "amazon_order_id", "sku"])
        batch_op.drop_column("line")
