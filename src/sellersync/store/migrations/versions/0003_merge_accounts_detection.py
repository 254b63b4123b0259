"""merge the accounts and detection branches

Revision ID: 0003_merge
Revises: 0002_accounts, 0002_detection
Create Date: 2026-11-28
"""

from collections.abc import Sequence

revision: str = "0003_merge"
down_revision: str | Sequence[str] | None = ("0002_accounts", "0002_detection")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
