"""Shared metadata and column types."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from kilowatt.domain.command_params import CommandParams, encode_params

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def id_column() -> Column[int]:
    """The surrogate key every table has."""
    return Column("id", BigId, primary_key=True, autoincrement=True)


def organization_column(*, index: bool = False) -> Column[int]:
    """The tenant of an operator-owned record; an organization with records is not deleted."""
    return Column(
        "organization_id",
        BigInteger,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
        index=index,
    )


def station_column() -> Column[int]:
    """The station a record is about; it goes when its station goes."""
    return Column(
        "station_id", BigInteger, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JsonType = JSON().with_variant(JSONB(), "postgresql")


class ParamsJson(TypeDecorator[Any]):
    """A command's parameters (domain/command_params.py), kept as their JSON. Read back as JSON:
    which dataclass it is depends on the row's operation (persistence/models/mapping.py)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return encode_params(value) if isinstance(value, CommandParams) else value


class FlagList(TypeDecorator[list[str]]):
    """A short list of review flags kept as one comma-joined string ('' when none), so that
    "flagged" and "has flag X" are plain, portable, indexable string tests."""

    impl = String(400)
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str:
        return ",".join(value or [])

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return [part for part in str(value or "").split(",") if part]


def enum_of(enum_cls: type[StrEnum], length: int = 20) -> Enum:
    """A domain enum kept as its string value (no native type, no CHECK), loaded as the enum."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Amount(TypeDecorator[Decimal]):
    """Money, exactly: NUMERIC(18, 6) on PostgreSQL; on SQLite, whose numbers are floats, the
    decimal's text (sums are taken in Python there, never by SQLite)."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(18, 6, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError("money is a Decimal")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))
