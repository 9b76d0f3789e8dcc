"""site meter and caps: a station named as a site's meter over OCPP
(site_loads.meter_station), when the site's meter was found silent
(site_loads.meter_silent_since, null while heard), and the site's time-of-use caps
(site_loads.caps, a JSON list)

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "site_loads",
        sa.Column("meter_station", sa.String(length=48), server_default="", nullable=False),
    )
    op.add_column(
        "site_loads", sa.Column("meter_silent_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("site_loads", sa.Column("caps", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    op.execute("ALTER TABLE site_loads DROP COLUMN caps")
    op.execute("ALTER TABLE site_loads DROP COLUMN meter_silent_since")
    op.execute("ALTER TABLE site_loads DROP COLUMN meter_station")
