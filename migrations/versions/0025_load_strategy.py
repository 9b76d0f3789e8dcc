"""load strategy: how a site shares its power (site_loads.strategy), and each token group's
priority under the priority strategy (token_groups.load_priority)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "site_loads",
        sa.Column("strategy", sa.String(length=16), server_default="equal_share", nullable=False),
    )
    op.add_column(
        "token_groups",
        sa.Column("load_priority", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    op.execute("ALTER TABLE token_groups DROP COLUMN load_priority")
    op.execute("ALTER TABLE site_loads DROP COLUMN strategy")
