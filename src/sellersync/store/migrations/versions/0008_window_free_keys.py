"""row keys that do not depend on how a sync was cut: ServiceFeeEvent rows are re-read

ServiceFeeEvent (Finances v0) carries no PostedDate. Its rows were dated, and keyed, by the end of
the query window they were read in, so a sync cut differently (a partial one, then a complete one)
stored the same fee twice. They are now dated by their posting month (every Finances window is a
whole month, see ``sync.planner.posting_month``) and counted among identical fees of that month.

The old keys cannot be converted (the month of a stored fee is not known: only its window's end),
so this migration deletes the stored ServiceFeeEvent rows and the Finances checkpoints: the next
sync reads the Finances history again and stores every fee once under its new key. Finances units a
run planned before the upgrade and has not done yet (180-day windows) are deleted too: read under the
new code they would date fees by the wrong month; the next sync reads those windows. Every other
financial event keeps its key (they are dated by their own PostedDate). Downgrade changes nothing:
the next sync under the old code re-reads what it misses.

Revision ID: 0008_window_free_keys
Revises: 0007_claim_lifecycle
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_window_free_keys"
down_revision: str | None = "0007_claim_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM financial_events WHERE event_list = 'ServiceFeeEventList'"))
    op.execute(sa.text("DELETE FROM sync_checkpoints WHERE stream = 'financial_events'"))
    op.execute(sa.text("DELETE FROM sync_units WHERE stream = 'financial_events' AND status <> 'done'"))


def downgrade() -> None:
    pass
