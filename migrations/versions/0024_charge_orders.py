"""charge orders: a remote session up to a limit of minutes, money or kWh

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(18, 6), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "charge_orders",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("station_ocpp_id", sa.String(length=64), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("id_tag", sa.String(length=64), nullable=False),
        sa.Column("limit_kind", sa.String(length=20), nullable=False),
        sa.Column("limit", AMOUNT, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("command_id", sa.BigInteger(), nullable=True),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("energy_wh", sa.BigInteger(), nullable=False),
        sa.Column("elapsed_s", sa.BigInteger(), nullable=False),
        sa.Column("cost", AMOUNT, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_charge_orders_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_charge_orders_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_orders")),
    )
    op.create_index("ix_charge_orders_org", "charge_orders", ["organization_id", "id"])
    op.create_index("ix_charge_orders_transaction", "charge_orders", ["transaction_id"])
    op.create_index("ix_charge_orders_command", "charge_orders", ["command_id"])
    op.create_index("ix_charge_orders_state", "charge_orders", ["state"])


def downgrade() -> None:
    for index in ("state", "command", "transaction", "org"):
        op.drop_index(f"ix_charge_orders_{index}", table_name="charge_orders")
    op.drop_table("charge_orders")
