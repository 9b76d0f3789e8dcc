"""connector states: what each connector is doing in Kilowatt's one vocabulary, beside the
station's own word (domain/connector_states.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECT = {
    "Available": "available",
    "Preparing": "preparing",
    "Charging": "charging",
    "SuspendedEV": "suspended",
    "SuspendedEVSE": "suspended",
    "Finishing": "finishing",
    "Reserved": "reserved",
    "Unavailable": "unavailable",
    "Faulted": "faulted",
}

# 2.0.1 Occupied: by the chargingState of the EVSE's running transaction (preparing when
# there is none or it says nothing else).
OCCUPIED = """
UPDATE connectors SET state = COALESCE((
    SELECT CASE t.charging_state
        WHEN 'Charging' THEN 'charging'
        WHEN 'SuspendedEV' THEN 'suspended'
        WHEN 'SuspendedEVSE' THEN 'suspended'
        ELSE 'preparing' END
    FROM transactions t
    WHERE t.station_id = connectors.station_id AND t.evse_id = connectors.evse_id
      AND t.state = 'active'
    ORDER BY t.start_time DESC
    LIMIT 1
), 'preparing')
WHERE status = 'Occupied'
"""


def upgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="unknown")
        )
    connectors = sa.table("connectors", sa.column("status", sa.String), sa.column("state"))
    for status, state in DIRECT.items():
        op.execute(connectors.update().where(connectors.c.status == status).values(state=state))
    op.execute(OCCUPIED)
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.alter_column("state", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("connectors", schema=None) as batch_op:
        batch_op.drop_column("state")
