from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

from kilowatt.domain.access import TimeWindow
from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    id_column,
    metadata,
    organization_column,
)


class WindowList(TypeDecorator[list[TimeWindow]]):
    """Time windows as JSON: ``[{"days": ["mon", ...], "start": "07:00", "end": "19:00"}]``."""

    impl = JsonType
    cache_ok = True

    def process_bind_param(self, value: list[TimeWindow] | None, dialect: Dialect) -> Any:
        return [w.to_json() for w in value or []]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[TimeWindow]:
        return [TimeWindow.from_json(item) for item in value or []]


access_rules = Table(
    "access_rules",
    metadata,
    id_column(),
    organization_column(index=True),
    Column(
        "group_id",
        BigInteger,
        ForeignKey("token_groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("site_id", BigInteger, ForeignKey("sites.id", ondelete="CASCADE"), index=True),
    Column("station_id", BigInteger, ForeignKey("stations.id", ondelete="CASCADE"), index=True),
    Column("windows", WindowList, nullable=False),
    Column("description", String(500), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "(site_id IS NULL AND station_id IS NOT NULL) "
        "OR (site_id IS NOT NULL AND station_id IS NULL)",
        name="one_place",
    ),
)
