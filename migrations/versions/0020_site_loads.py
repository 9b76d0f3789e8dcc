"""site loads: load management's settings and state per site, load readings, each running
session's limit, and the decisions recorded for the operator

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-07

New tables only: nothing existing is altered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _site_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["site_id"], ["sites.id"], name=op.f(f"fk_{table}_site_id_sites"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "site_loads",
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("half_at_pct", sa.Integer(), nullable=False),
        sa.Column("hold_at_pct", sa.Integer(), nullable=False),
        sa.Column("hysteresis_pct", sa.Integer(), nullable=False),
        sa.Column("voltage", sa.Integer(), nullable=False),
        sa.Column("min_current_a", sa.Float(), nullable=False),
        sa.Column("reserve_pct", sa.Integer(), nullable=False),
        sa.Column("fallback_load_w", sa.BigInteger(), nullable=False),
        sa.Column("reading_max_age_s", sa.Integer(), nullable=False),
        sa.Column("meter_topic", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("load_w", sa.BigInteger(), nullable=True),
        sa.Column("load_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("load_source", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _site_fk("site_loads"),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_loads")),
    )
    op.create_index("ix_site_loads_organization_id", "site_loads", ["organization_id"])
    op.create_index("ix_site_loads_meter_topic", "site_loads", ["meter_topic"])
    op.create_table(
        "site_load_readings",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("load_w", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        _site_fk("site_load_readings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_load_readings")),
    )
    op.create_index("ix_site_load_readings_site_id_id", "site_load_readings", ["site_id", "id"])
    op.create_table(
        "session_loads",
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=8), nullable=False),
        sa.Column("limit_a", sa.Float(), nullable=True),
        sa.Column("drawn_a", sa.Float(), nullable=True),
        sa.Column("phases", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_session_loads_transaction_id_transactions"),
            ondelete="CASCADE",
        ),
        _site_fk("session_loads"),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_session_loads")),
    )
    op.create_index("ix_session_loads_site_id", "session_loads", ["site_id"])
    op.create_table(
        "load_decisions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("load_w", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("station", sa.String(length=48), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("limit_a", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        _site_fk("load_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_decisions")),
    )
    op.create_index("ix_load_decisions_site_id_id", "load_decisions", ["site_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_load_decisions_site_id_id", table_name="load_decisions")
    op.drop_table("load_decisions")
    op.drop_index("ix_session_loads_site_id", table_name="session_loads")
    op.drop_table("session_loads")
    op.drop_index("ix_site_load_readings_site_id_id", table_name="site_load_readings")
    op.drop_table("site_load_readings")
    op.drop_index("ix_site_loads_meter_topic", table_name="site_loads")
    op.drop_index("ix_site_loads_organization_id", table_name="site_loads")
    op.drop_table("site_loads")
