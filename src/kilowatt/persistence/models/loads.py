"""Site load management: each site's settings and state, its load readings, each running
session's limit, and the decisions recorded for the operator. Read and written with Core
statements (persistence/repositories/loads.py): the domain's records are frozen settings
inside plain records, not mapped classes."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from kilowatt.domain.loads import DecisionKind, Reason, RuleState, StartRule, Strategy
from kilowatt.persistence.models.base import UTCDateTime, enum_of, id_column, metadata


def _site_column(*, primary_key: bool = False) -> Column[int]:
    return Column(
        "site_id",
        BigInteger,
        ForeignKey("sites.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


site_loads = Table(
    "site_loads",
    metadata,
    _site_column(primary_key=True),
    Column("organization_id", BigInteger, nullable=False, index=True),
    Column("enabled", Boolean, nullable=False),
    Column("half_at_pct", Integer, nullable=False),
    Column("hold_at_pct", Integer, nullable=False),
    Column("hysteresis_pct", Integer, nullable=False),
    Column("voltage", Integer, nullable=False),
    Column("min_current_a", Float, nullable=False),
    Column("reserve_pct", Integer, nullable=False),
    Column("fallback_load_w", BigInteger, nullable=False),
    Column("reading_max_age_s", Integer, nullable=False),
    Column("meter_topic", String(200), nullable=False, index=True),
    Column("meter_station", String(48), nullable=False, server_default=""),
    Column("caps", JSON, nullable=False, server_default="[]"),
    Column(
        "strategy",
        enum_of(Strategy, 16),
        nullable=False,
        server_default=Strategy.EQUAL_SHARE.value,
    ),
    Column("failsafe_current_a", Float, nullable=False, server_default="6"),
    Column("state", enum_of(RuleState, 12), nullable=False),
    Column("load_w", BigInteger),
    Column("load_at", UTCDateTime),
    Column("load_source", String(10), nullable=False),
    Column("meter_silent_since", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)

site_load_readings = Table(
    "site_load_readings",
    metadata,
    id_column(),
    _site_column(),
    Column("measured_at", UTCDateTime, nullable=False),
    Column("load_w", BigInteger, nullable=False),
    Column("source", String(10), nullable=False),
    Index("ix_site_load_readings_site_id_id", "site_id", "id"),
)

session_loads = Table(
    "session_loads",
    metadata,
    Column(
        "transaction_id",
        BigInteger,
        ForeignKey("transactions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _site_column(),
    Column("rule", enum_of(StartRule, 8), nullable=False),
    Column("limit_a", Float),
    Column("drawn_a", Float),
    Column("phases", Integer),
    Column("reason", enum_of(Reason, 16)),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_session_loads_site_id", "site_id"),
)

load_decisions = Table(
    "load_decisions",
    metadata,
    id_column(),
    _site_column(),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", enum_of(DecisionKind, 8), nullable=False),
    Column("state", enum_of(RuleState, 12), nullable=False),
    Column("load_w", BigInteger, nullable=False),
    Column("transaction_id", BigInteger),
    Column("station", String(48), nullable=False),
    Column("evse_id", Integer),
    Column("limit_a", Float),
    Column("reason", enum_of(Reason, 16)),
    Index("ix_load_decisions_site_id_id", "site_id", "id"),
)
