"""Charge orders: a remote session up to a limit of minutes, money or kWh."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from kilowatt.domain.charge_orders import LimitKind, OrderOutcome, OrderState
from kilowatt.persistence.models.base import (
    Amount,
    UTCDateTime,
    enum_of,
    id_column,
    metadata,
    organization_column,
)

charge_orders = Table(
    "charge_orders",
    metadata,
    id_column(),
    organization_column(),
    Column("station_id", BigInteger, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("station_ocpp_id", String(64), nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("id_tag", String(64), nullable=False),
    Column("limit_kind", enum_of(LimitKind), nullable=False),
    Column("limit", Amount, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("state", enum_of(OrderState), nullable=False),
    Column("command_id", BigInteger),
    Column("transaction_id", BigInteger),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("energy_wh", BigInteger, nullable=False),
    Column("elapsed_s", BigInteger, nullable=False),
    Column("cost", Amount),
    Column("currency", String(3)),
    Column("outcome", enum_of(OrderOutcome)),
    Column("error", String(500), nullable=False),
    Index("ix_charge_orders_org", "organization_id", "id"),
    Index("ix_charge_orders_transaction", "transaction_id"),
    Index("ix_charge_orders_command", "command_id"),
    Index("ix_charge_orders_state", "state"),
)
