"""Charge orders: a remote session up to a limit of minutes, money or kWh."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import MAX_INT, Schema
from kilowatt.domain.charge_orders import ChargeOrder, LimitKind, OrderOutcome, OrderState
from kilowatt.domain.money import money_text, plain


class ChargeOrderIn(Schema):
    station: str = Field(min_length=1, max_length=64, description="the station's OCPP id")
    evse_id: int = Field(ge=1, le=1000)
    id_tag: str | None = Field(default=None, min_length=1, max_length=64)
    driver_id: int | None = Field(
        default=None, ge=1, le=MAX_INT, description="instead of id_tag: the driver's token"
    )
    limit_kind: LimitKind
    limit: str = Field(
        min_length=1,
        max_length=20,
        description="minutes (whole), kWh, or money in the tariff's currency incl. VAT",
    )


class ChargeOrderOut(Schema):
    id: int
    station: str
    evse_id: int
    id_tag: str
    limit_kind: LimitKind
    limit: str
    state: OrderState
    outcome: OrderOutcome | None
    error: str
    command_id: int | None
    transaction_id: int | None
    energy_wh: int
    elapsed_s: int
    cost: str | None
    currency: str | None
    progress: str
    """The share of the limit used, 0 to 1."""
    created_by: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, order: ChargeOrder) -> ChargeOrderOut:
        assert order.id is not None
        cost = None
        if order.cost is not None and order.currency is not None:
            cost = money_text(order.cost, order.currency)
        return cls(
            id=order.id,
            station=order.station_ocpp_id,
            evse_id=order.evse_id,
            id_tag=order.id_tag,
            limit_kind=order.limit_kind,
            limit=plain(order.limit),
            state=order.state,
            outcome=order.outcome,
            error=order.error,
            command_id=order.command_id,
            transaction_id=order.transaction_id,
            energy_wh=order.energy_wh,
            elapsed_s=order.elapsed_s,
            cost=cost,
            currency=order.currency,
            progress=str(order.progress),
            created_by=order.created_by,
            created_at=order.created_at,
            started_at=order.started_at,
            ended_at=order.ended_at,
        )
