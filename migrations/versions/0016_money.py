"""money: tariffs with versions and assignments, prepaid wallets with their ledger, CDRs

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Amounts are NUMERIC(18, 6) on PostgreSQL and the decimal's text on SQLite (whose numbers are
floats). ``id_tokens.wallet_id`` marks a prepaid token; it is added in place, without a
foreign key, so that SQLite need not copy id_tokens (which other tables reference).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AMOUNT = sa.String(length=40).with_variant(sa.Numeric(18, 6), "postgresql")
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def _org() -> sa.Column[int]:
    return sa.Column("organization_id", sa.BigInteger(), nullable=False)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "tariffs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _org(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _org_fk("tariffs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariffs")),
        sa.UniqueConstraint(
            "organization_id", "name", name=op.f("uq_tariffs_organization_id_name")
        ),
    )
    op.create_table(
        "tariff_versions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tariff_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", WHEN, nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariffs.id"],
            name=op.f("fk_tariff_versions_tariff_id_tariffs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_versions")),
        sa.UniqueConstraint(
            "tariff_id", "version", name=op.f("uq_tariff_versions_tariff_id_version")
        ),
    )
    op.create_table(
        "tariff_assignments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _org(),
        sa.Column("tariff_id", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=True),
        _org_fk("tariff_assignments"),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["tariffs.id"],
            name=op.f("fk_tariff_assignments_tariff_id_tariffs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_assignments")),
    )
    op.create_index(
        "ix_tariff_assignments_org",
        "tariff_assignments",
        ["organization_id", "scope", "scope_id"],
    )
    op.create_table(
        "wallets",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _org(),
        sa.Column("owner_kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("driver_id", sa.BigInteger(), nullable=True),
        sa.Column("min_balance", AMOUNT, nullable=False),
        sa.Column("balance", AMOUNT, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _org_fk("wallets"),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_wallets_driver_id_drivers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallets")),
    )
    op.create_index(op.f("ix_wallets_driver_id"), "wallets", ["driver_id"])
    op.create_table(
        "wallet_entries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("wallet_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("balance_after", AMOUNT, nullable=False),
        sa.Column("unpaid", AMOUNT, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallets.id"],
            name=op.f("fk_wallet_entries_wallet_id_wallets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_entries")),
        sa.UniqueConstraint(
            "wallet_id",
            "idempotency_key",
            name=op.f("uq_wallet_entries_wallet_id_idempotency_key"),
        ),
    )
    op.create_index("ix_wallet_entries_wallet_id", "wallet_entries", ["wallet_id", "id"])
    op.create_index("ix_wallet_entries_created", "wallet_entries", ["created_at"])
    op.create_table(
        "cdrs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        _org(),
        sa.Column("bill_key", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("credits_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("evse_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("id_tag", sa.String(length=255), nullable=False),
        sa.Column("tariff_id", sa.BigInteger(), nullable=True),
        sa.Column("wallet_id", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("start", WHEN, nullable=False),
        sa.Column("stop", WHEN, nullable=False),
        sa.Column("meter_start_wh", sa.BigInteger(), nullable=True),
        sa.Column("meter_stop_wh", sa.BigInteger(), nullable=True),
        sa.Column("energy_wh", sa.BigInteger(), nullable=False),
        sa.Column("charging_s", sa.Integer(), nullable=False),
        sa.Column("parking_s", sa.Integer(), nullable=False),
        sa.Column("total_excl_vat", AMOUNT, nullable=False),
        sa.Column("vat_percent", AMOUNT, nullable=False),
        sa.Column("vat", AMOUNT, nullable=False),
        sa.Column("total_incl_vat", AMOUNT, nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("tariff_versions", JSON, nullable=False),
        sa.Column("signed_meter_data", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _org_fk("cdrs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdrs")),
        sa.UniqueConstraint("bill_key", name=op.f("uq_cdrs_bill_key")),
    )
    op.create_index("ix_cdrs_org_created", "cdrs", ["organization_id", "created_at"])
    op.create_index("ix_cdrs_transaction", "cdrs", ["transaction_id"])
    # In place: id_tokens is referenced by other tables, so SQLite must not copy it.
    op.add_column("id_tokens", sa.Column("wallet_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_id_tokens_wallet_id"), "id_tokens", ["wallet_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_id_tokens_wallet_id"), table_name="id_tokens")
    op.execute("ALTER TABLE id_tokens DROP COLUMN wallet_id")  # SQLite 3.35+: in place
    op.drop_index("ix_cdrs_transaction", table_name="cdrs")
    op.drop_index("ix_cdrs_org_created", table_name="cdrs")
    op.drop_table("cdrs")
    op.drop_index("ix_wallet_entries_created", table_name="wallet_entries")
    op.drop_index("ix_wallet_entries_wallet_id", table_name="wallet_entries")
    op.drop_table("wallet_entries")
    op.drop_index(op.f("ix_wallets_driver_id"), table_name="wallets")
    op.drop_table("wallets")
    op.drop_index("ix_tariff_assignments_org", table_name="tariff_assignments")
    op.drop_table("tariff_assignments")
    op.drop_table("tariff_versions")
    op.drop_table("tariffs")
