"""Charge detail records: written once, never updated (a correction is a credit record).

No foreign key to the station or the transaction: accounting keeps a CDR after its station
or its session records are deleted."""

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from kilowatt.domain.cdrs import CdrKind
from kilowatt.persistence.models.base import (
    Amount,
    JsonType,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

cdrs = Table(
    "cdrs",
    metadata,
    id_column(),
    organization_column(),
    Column("bill_key", String(60), nullable=False, unique=True),
    Column("kind", enum_of(CdrKind), nullable=False),
    Column("transaction_id", BigInteger, nullable=False),
    Column("credits_id", BigInteger),
    Column("reason", String(500), nullable=False, default=""),
    Column("station_id", BigInteger, nullable=False),
    Column("evse_id", BigInteger, nullable=False),
    Column("site_id", BigInteger),
    Column("id_tag", String(255), nullable=False),
    Column("tariff_id", BigInteger),
    Column("wallet_id", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("stop", UTCDateTime, nullable=False),
    Column("meter_start_wh", BigInteger),
    Column("meter_stop_wh", BigInteger),
    Column("energy_wh", BigInteger, nullable=False),
    Column("charging_s", Integer, nullable=False),
    Column("parking_s", Integer, nullable=False),
    Column("total_excl_vat", Amount, nullable=False),
    Column("vat_percent", Amount, nullable=False),
    Column("vat", Amount, nullable=False),
    Column("total_incl_vat", Amount, nullable=False),
    Column("lines", JsonType, nullable=False),
    Column("tariff_versions", JsonType, nullable=False),
    Column("signed_meter_data", JsonType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_cdrs_org_created", "organization_id", "created_at"),
    Index("ix_cdrs_transaction", "transaction_id"),
)
