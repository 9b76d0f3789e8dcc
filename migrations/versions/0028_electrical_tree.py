"""electrical tree: a site's panels and circuits (site_circuits), the circuit each station hangs
on (circuit_stations), and the grid connection's limit per phase (site_grid_connections)

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-07

New tables only: nothing existing is altered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "site_circuits",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("max_current_a", sa.Float(), nullable=True),
        sa.Column("max_power_w", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_circuits_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["site_circuits.id"],
            name=op.f("fk_site_circuits_parent_id_site_circuits"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_circuits")),
        sa.UniqueConstraint("site_id", "key", name=op.f("uq_site_circuits_site_id_key")),
    )  # fmt: skip
    op.create_index("ix_site_circuits_parent_id", "site_circuits", ["parent_id"])
    op.create_table(
        "circuit_stations",
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("circuit_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_circuit_stations_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["circuit_id"], ["site_circuits.id"],
            name=op.f("fk_circuit_stations_circuit_id_site_circuits"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", name=op.f("pk_circuit_stations")),
    )  # fmt: skip
    op.create_index("ix_circuit_stations_circuit_id", "circuit_stations", ["circuit_id"])
    op.create_table(
        "site_grid_connections",
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("max_current_a", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_grid_connections_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_grid_connections")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("site_grid_connections")
    op.drop_index("ix_circuit_stations_circuit_id", table_name="circuit_stations")
    op.drop_table("circuit_stations")
    op.drop_index("ix_site_circuits_parent_id", table_name="site_circuits")
    op.drop_table("site_circuits")
