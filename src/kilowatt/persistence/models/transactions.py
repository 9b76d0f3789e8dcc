from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from kilowatt.domain.transactions import TransactionState
from kilowatt.persistence.models.base import BigId, FlagList, UTCDateTime, enum_of, metadata

# The primary key is the transactionId a 1.6 station receives: CSMS-assigned, unique system-wide.
# ``ocpp_transaction_id`` holds a station-assigned id (2.0.1, or a 1.6 stop we never started).
transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "organization_id",
        Integer,
        ForeignKey("organizations.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="RESTRICT"), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("ocpp_transaction_id", String(64)),
    Column("start_key", String(400)),
    Column("id_tag", String(255), nullable=False),
    Column("id_token_id", Integer, ForeignKey("id_tokens.id", ondelete="SET NULL")),
    Column("auth_status", String(20), nullable=False),
    Column("reservation_id", Integer),
    Column("state", enum_of(TransactionState, 12), nullable=False),
    Column("start_time", UTCDateTime, nullable=False),
    Column("stop_time", UTCDateTime),
    Column("meter_start_wh", Integer, nullable=False),
    Column("meter_stop_wh", Integer),
    Column("energy_wh", Integer),
    Column("stop_reason", String(40)),
    Column("stop_id_tag", String(255)),
    Column("last_meter_wh", Integer),
    Column("last_meter_at", UTCDateTime),
    Column("flags", FlagList, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("station_id", "start_key"),
    UniqueConstraint("station_id", "ocpp_transaction_id"),
    Index("ix_transactions_station_state", "station_id", "state"),
    Index("ix_transactions_org_start", "organization_id", "start_time"),
    Index("ix_transactions_id_tag_state", "id_tag", "state"),
)

meter_values = Table(
    "meter_values",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("transaction_id", Integer, ForeignKey("transactions.id", ondelete="CASCADE")),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("connector_id", Integer, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("measurand", String(64), nullable=False),
    Column("phase", String(8)),
    Column("context", String(24)),
    Column("location", String(8)),
    Column("value", Float),
    Column("unit", String(12), nullable=False),
    Column("raw", String(2500)),
    Index("ix_meter_values_tx", "transaction_id", "timestamp"),
    Index("ix_meter_values_station", "station_id", "timestamp"),
)
