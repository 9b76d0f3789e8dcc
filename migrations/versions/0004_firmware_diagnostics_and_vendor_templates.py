"""firmware, campaigns, diagnostics uploads and vendor templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "firmware",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=50), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("signing_certificate", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=800), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_firmware_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_firmware_storage_key")),
    )
    with op.batch_alter_table("firmware", schema=None) as batch_op:
        batch_op.create_index("ix_firmware_org_id", ["organization_id", "id"], unique=False)

    op.create_table(
        "vendor_templates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("vendor_id", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=50), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("station_vendor", sa.String(length=50), nullable=False),
        sa.Column("station_model", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vendor_templates_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_templates")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_vendor_templates_organization_id_name")
        ),
    )
    op.create_table(
        "firmware_campaigns",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("firmware_id", sa.BigInteger(), nullable=True),
        sa.Column("firmware_version", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("first_batch_size", sa.Integer(), nullable=False),
        sa.Column(
            "selection", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("retrieve_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=True),
        sa.Column("retry_interval", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["firmware_id"],
            ["firmware.id"],
            name=op.f("fk_firmware_campaigns_firmware_id_firmware"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_firmware_campaigns_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_campaigns")),
    )
    with op.batch_alter_table("firmware_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_firmware_campaigns_firmware", ["firmware_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_firmware_campaigns_org_id", ["organization_id", "id"], unique=False
        )

    op.create_table(
        "diagnostics_uploads",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("command_id", sa.BigInteger(), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("log_type", sa.String(length=30), nullable=False),
        sa.Column("station_status", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["command_id"],
            ["commands.id"],
            name=op.f("fk_diagnostics_uploads_command_id_commands"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_diagnostics_uploads_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_diagnostics_uploads_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostics_uploads")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_diagnostics_uploads_token_digest")),
    )
    with op.batch_alter_table("diagnostics_uploads", schema=None) as batch_op:
        batch_op.create_index("ix_diagnostics_uploads_station", ["station_id", "id"], unique=False)

    op.create_table(
        "firmware_updates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("station_ocpp_id", sa.String(length=48), nullable=False),
        sa.Column("firmware_id", sa.BigInteger(), nullable=True),
        sa.Column("firmware_version", sa.String(length=50), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("command_id", sa.BigInteger(), nullable=True),
        sa.Column("ocpp_status", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["firmware_campaigns.id"],
            name=op.f("fk_firmware_updates_campaign_id_firmware_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["command_id"],
            ["commands.id"],
            name=op.f("fk_firmware_updates_command_id_commands"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["firmware_id"],
            ["firmware.id"],
            name=op.f("fk_firmware_updates_firmware_id_firmware"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_firmware_updates_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_firmware_updates_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_updates")),
    )
    with op.batch_alter_table("firmware_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_firmware_updates_campaign", ["campaign_id", "batch"], unique=False
        )
        batch_op.create_index("ix_firmware_updates_station", ["station_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("firmware_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_firmware_updates_station")
        batch_op.drop_index("ix_firmware_updates_campaign")

    op.drop_table("firmware_updates")
    with op.batch_alter_table("diagnostics_uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_diagnostics_uploads_station")

    op.drop_table("diagnostics_uploads")
    with op.batch_alter_table("firmware_campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_firmware_campaigns_org_id")
        batch_op.drop_index("ix_firmware_campaigns_firmware")

    op.drop_table("firmware_campaigns")
    op.drop_table("vendor_templates")
    with op.batch_alter_table("firmware", schema=None) as batch_op:
        batch_op.drop_index("ix_firmware_org_id")

    op.drop_table("firmware")
