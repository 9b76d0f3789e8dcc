from sqlalchemy import Column, Index, SmallInteger, String, Table, Text

from kilowatt.domain.events import Severity
from kilowatt.persistence.models.base import (
    JsonType,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
    station_column,
)

station_events = Table(
    "station_events",
    metadata,
    id_column(),
    organization_column(),
    station_column(),
    Column("kind", String(40), nullable=False),
    Column("severity", enum_of(Severity, 10), nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("message", String(1000), nullable=False, default=""),
    Column("data", JsonType, nullable=False),
    Index("ix_station_events_station_time", "station_id", "timestamp"),
)

# Raw frames, kept verbatim. Keyed by the OCPP identity (not a foreign key) so that the log of a
# station survives its deletion and can be read while investigating it.
ocpp_messages = Table(
    "ocpp_messages",
    metadata,
    id_column(),
    Column("station_ocpp_id", String(48), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("message_type", SmallInteger, nullable=False),
    Column("unique_id", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_ocpp_messages_station_time", "station_ocpp_id", "created_at"),
)
