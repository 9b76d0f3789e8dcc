from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kilowatt.domain.commands import CommandStatus, StartOutcome
from kilowatt.domain.reservations import ReservationStatus
from kilowatt.persistence.models.base import (
    JsonType,
    ParamsJson,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
    station_column,
)

commands = Table(
    "commands",
    metadata,
    id_column(),
    organization_column(),
    station_column(),
    Column("station_ocpp_id", String(48), nullable=False),
    Column("operation", String(40), nullable=False),
    Column("params", ParamsJson, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("status", enum_of(CommandStatus, 12), nullable=False),
    Column("timeout", Float, nullable=False),
    Column("action", String(64), nullable=False, default=""),
    Column("request", JsonType),
    Column("response", JsonType),
    Column("result", JsonType),
    Column("error", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    # A remote start's session (domain/remote_start.py).
    Column("start_outcome", enum_of(StartOutcome, 12)),
    Column("start_transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="SET NULL")),
    Column("start_status", String(20)),
    Column("start_deadline", UTCDateTime),
    Index("ix_commands_station_created", "station_id", "created_at"),
    Index("ix_commands_org_id", "organization_id", "id"),
    Index("ix_commands_station_start", "station_id", "start_outcome"),
)

reservations = Table(
    "reservations",
    metadata,
    id_column(),
    organization_column(),
    station_column(),
    Column("evse_id", BigInteger, nullable=False),
    Column("connector_id", BigInteger, nullable=False, default=0),
    Column("id_tag", String(255), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("status", enum_of(ReservationStatus, 12), nullable=False),
    Column("reason", String(100), nullable=False, default=""),
    Column("transaction_id", BigInteger, ForeignKey("transactions.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_reservations_station_status", "station_id", "status"),
)

local_lists = Table(
    "local_lists",
    metadata,
    id_column(),
    station_column(),
    Column("version", BigInteger, nullable=False),
    Column("entries", JsonType, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("station_id"),
)
