"""firmware campaign targets claimed by the sender that sends them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10

Firmware campaigns advance in steps that any node may take; a sender claims a target
(``firmware_updates.claimed_at``) before sending it, so that no station gets an update twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, never a batch copy: copying firmware_updates on SQLite is needless work on a
    # table that grows with every update sent.
    op.add_column(
        "firmware_updates", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.execute("ALTER TABLE firmware_updates DROP COLUMN claimed_at")  # SQLite 3.35+: in place
