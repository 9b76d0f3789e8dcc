"""faults: the fault-code dictionary of each organization, and fault records of connectors

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fault_codes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("vendor", sa.String(length=50), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_fault_codes_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_codes")),
        sa.UniqueConstraint(
            "organization_id",
            "vendor",
            "code",
            name=op.f("uq_fault_codes_organization_id_vendor_code"),
        ),
    )
    op.create_index(
        "ix_fault_codes_org_code", "fault_codes", ["organization_id", "code"], unique=False
    )

    op.create_table(
        "faults",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_id", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.String(length=50), nullable=False),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=False),
        sa.Column("info", sa.String(length=500), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_faults_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_faults_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faults")),
    )
    op.create_index(
        "ix_faults_station_connector",
        "faults",
        ["station_id", "evse_id", "connector_id", "ended_at"],
        unique=False,
    )
    op.create_index("ix_faults_org_ended", "faults", ["organization_id", "ended_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_faults_org_ended", table_name="faults")
    op.drop_index("ix_faults_station_connector", table_name="faults")
    op.drop_table("faults")
    op.drop_index("ix_fault_codes_org_code", table_name="fault_codes")
    op.drop_table("fault_codes")
