"""Tariffs, their versions (the OCPI-shaped body as JSON) and where they are assigned."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from kilowatt.domain.cdrs import Scope
from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

tariffs = Table(
    "tariffs",
    metadata,
    id_column(),
    organization_column(),
    Column("name", String(200), nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("organization_id", "name"),
)

tariff_versions = Table(
    "tariff_versions",
    metadata,
    id_column(),
    Column("tariff_id", BigInteger, ForeignKey("tariffs.id", ondelete="RESTRICT"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("body", JsonType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False, default=""),
    UniqueConstraint("tariff_id", "version"),
)

tariff_assignments = Table(
    "tariff_assignments",
    metadata,
    id_column(),
    organization_column(),
    Column("tariff_id", BigInteger, ForeignKey("tariffs.id", ondelete="RESTRICT"), nullable=False),
    Column("scope", enum_of(Scope), nullable=False),
    Column("scope_id", BigInteger, nullable=False),
    Column("evse_id", BigInteger),
    Index("ix_tariff_assignments_org", "organization_id", "scope", "scope_id"),
)
