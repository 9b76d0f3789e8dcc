"""Prepaid wallets and their append-only ledger."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, UniqueConstraint

from kilowatt.domain.wallets import EntryKind, OwnerKind
from kilowatt.persistence.models.base import (
    Amount,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

wallets = Table(
    "wallets",
    metadata,
    id_column(),
    organization_column(),
    Column("owner_kind", enum_of(OwnerKind), nullable=False),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("driver_id", BigInteger, ForeignKey("drivers.id", ondelete="SET NULL"), index=True),
    Column("min_balance", Amount, nullable=False),
    Column("balance", Amount, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

wallet_entries = Table(
    "wallet_entries",
    metadata,
    id_column(),
    Column("wallet_id", BigInteger, ForeignKey("wallets.id", ondelete="RESTRICT"), nullable=False),
    Column("kind", enum_of(EntryKind), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("balance_after", Amount, nullable=False),
    Column("unpaid", Amount, nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", String(500), nullable=False, default=""),
    Column("transaction_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("wallet_id", "idempotency_key"),
    Index("ix_wallet_entries_wallet_id", "wallet_id", "id"),
    Index("ix_wallet_entries_created", "created_at"),
)
