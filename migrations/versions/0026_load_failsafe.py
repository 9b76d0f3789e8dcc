"""load failsafe: each site's failsafe current (site_loads.failsafe_current_a, 6 A), and per
station the failsafe default profile it accepted and whether it refuses profiles
(station_load_profiles)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "site_loads",
        sa.Column("failsafe_current_a", sa.Float(), server_default="6", nullable=False),
    )
    op.create_table(
        "station_load_profiles",
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("default_limit_a", sa.Float(), nullable=True),
        sa.Column("default_at", WHEN, nullable=True),
        sa.Column("refused_at", WHEN, nullable=True),
        sa.Column("refused_answer", sa.String(length=100), server_default="", nullable=False),
        sa.Column("retry_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_load_profiles_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_station_load_profiles")),
    )


def downgrade() -> None:
    op.drop_table("station_load_profiles")
    # SQLite 3.35+ drops a column in place.
    op.execute("ALTER TABLE site_loads DROP COLUMN failsafe_current_a")
