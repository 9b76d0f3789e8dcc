"""transaction checks: refused starts have a state of their own; the connector's rated power

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A start whose token Kilowatt refused was stored as an active transaction, holding its token
(the next start anywhere was answered ConcurrentTx) and showing as a running session. Such
transactions become ``refused``: the ones with a token (a 2.0.1 transaction whose token has not
come yet has none, and stays active).

A 1.6 start was recognised as a replay by its neutral connector id, which is 1 on every EVSE:
two starts on different connectors with the same tag, second and meter start were taken for
one. The replay key now begins with the 1.6 connectorId (the EVSE); stored keys follow.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, never a batch copy: dropping the old transactions table on SQLite would
    # cascade to every meter value and transaction event.
    op.add_column("transactions", sa.Column("max_power_w", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE transactions SET state = 'refused' "
        "WHERE state = 'active' AND auth_status <> 'Accepted' AND id_tag <> ''"
    )
    op.execute(
        "UPDATE transactions SET start_key = CAST(evse_id AS VARCHAR(20)) || substr(start_key, 2) "
        "WHERE start_key LIKE '1|%' AND evse_id <> 1"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE transactions SET start_key = '1' || substr(start_key, length(CAST(evse_id AS "
        "VARCHAR(20))) + 1) WHERE start_key IS NOT NULL AND evse_id <> 1"
    )
    op.execute("UPDATE transactions SET state = 'active' WHERE state = 'refused'")
    op.execute("ALTER TABLE transactions DROP COLUMN max_power_w")  # SQLite 3.35+: in place
