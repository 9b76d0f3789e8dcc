"""Charge orders: an operator charges a car at a connector for a driver's token, up to a limit
of minutes, money or kWh. Kilowatt starts the session remotely, follows it reading by reading
and stops it when the limit is reached; the order keeps its progress and how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from kilowatt.domain.errors import InvalidInput

MAX_MINUTES = 7 * 24 * 60
MAX_KWH = Decimal(10_000)
MAX_MONEY = Decimal(1_000_000)


class LimitKind(StrEnum):
    MINUTES = "minutes"
    MONEY = "money"
    """In the currency of the tariff that prices the session (incl. VAT)."""
    ENERGY = "energy"
    """kWh."""


class OrderState(StrEnum):
    STARTING = "starting"
    """The remote start was sent; no session yet."""
    RUNNING = "running"
    STOPPING = "stopping"
    """The limit was reached (or an operator stopped it): the station was asked to stop."""
    COMPLETED = "completed"
    FAILED = "failed"
    """No session began (the station refused, or none began in time)."""

    @property
    def is_open(self) -> bool:
        return self in (OrderState.STARTING, OrderState.RUNNING, OrderState.STOPPING)


class OrderOutcome(StrEnum):
    LIMIT_REACHED = "limit_reached"
    FORCE_STOPPED = "force_stopped"
    ENDED_AT_STATION = "ended_at_station"
    """The session ended before its limit (the driver unplugged, the station stopped it)."""
    NOT_STARTED = "not_started"


@dataclass(eq=False)
class ChargeOrder:
    organization_id: int
    station_id: int
    station_ocpp_id: str
    evse_id: int
    id_tag: str
    limit_kind: LimitKind
    limit: Decimal
    created_by: str
    created_at: datetime
    state: OrderState = OrderState.STARTING
    command_id: int | None = None
    transaction_id: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    energy_wh: int = 0
    elapsed_s: int = 0
    cost: Decimal | None = None
    currency: str | None = None
    outcome: OrderOutcome | None = None
    error: str = ""
    id: int | None = None

    @property
    def used(self) -> Decimal:
        """How much of the limit is used, in the limit's unit."""
        if self.limit_kind is LimitKind.MINUTES:
            return Decimal(self.elapsed_s) / 60
        if self.limit_kind is LimitKind.ENERGY:
            return Decimal(self.energy_wh) / 1000
        return self.cost or Decimal(0)

    @property
    def progress(self) -> Decimal:
        """0 to 1: the share of the limit used."""
        if self.limit <= 0:
            return Decimal(1)
        return min(self.used / self.limit, Decimal(1)).quantize(Decimal("0.001"))


def check_limit(kind: LimitKind, value: Decimal | str) -> Decimal:
    """The limit as a positive number within bounds, or InvalidInput naming ``limit``."""
    try:
        limit = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidInput("limit", "a number") from None
    if not limit.is_finite() or limit <= 0:
        raise InvalidInput("limit", "more than zero")
    bounds = {LimitKind.MINUTES: Decimal(MAX_MINUTES), LimitKind.ENERGY: MAX_KWH}
    bound = bounds.get(kind, MAX_MONEY)
    if limit > bound:
        raise InvalidInput("limit", f"at most {bound}")
    if kind is LimitKind.MINUTES and limit != limit.to_integral_value():
        raise InvalidInput("limit", "whole minutes")
    return limit


def follow(
    order: ChargeOrder,
    energy_wh: int,
    elapsed_s: int,
    cost: Decimal | None,
    currency: str | None,
) -> bool:
    """Note a running order's progress; True when its limit is reached now (once: the order
    moves to stopping, and the caller stops the session)."""
    order.energy_wh = max(order.energy_wh, energy_wh)
    order.elapsed_s = max(order.elapsed_s, elapsed_s)
    if cost is not None:
        order.cost, order.currency = cost, currency
    if order.state is not OrderState.RUNNING:
        return False
    if order.used < order.limit:
        return False
    order.state = OrderState.STOPPING
    order.outcome = OrderOutcome.LIMIT_REACHED
    return True


def force_stop(order: ChargeOrder) -> bool:
    """An operator stops the order: True when its session is to be stopped at the station."""
    if not order.state.is_open:
        raise InvalidInput("state", "the order has ended")
    running = order.transaction_id is not None and order.state is not OrderState.STOPPING
    if order.outcome is None:
        order.outcome = OrderOutcome.FORCE_STOPPED
    order.state = OrderState.STOPPING if order.transaction_id is not None else OrderState.FAILED
    return running


def session_began(order: ChargeOrder, transaction_id: int, at: datetime) -> None:
    order.transaction_id = transaction_id
    order.started_at = at
    if order.state is OrderState.STARTING:
        order.state = OrderState.RUNNING


def not_started(order: ChargeOrder, at: datetime, error: str) -> None:
    if order.state is OrderState.STARTING:
        order.state = OrderState.FAILED
        order.outcome = OrderOutcome.NOT_STARTED
        order.error = error
        order.ended_at = at


def session_ended(order: ChargeOrder, at: datetime, energy_wh: int | None) -> None:
    if energy_wh is not None:
        order.energy_wh = max(order.energy_wh, energy_wh)
    if order.outcome is None:
        order.outcome = OrderOutcome.ENDED_AT_STATION
    order.state = OrderState.COMPLETED
    order.ended_at = at
