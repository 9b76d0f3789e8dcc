"""Wiring shared by the services, and the one way they look a station up by its identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from kilowatt.domain.errors import NotFound
from kilowatt.domain.stations import Station
from kilowatt.domain.users import Scope
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def nothing_spent(wallet_id: int) -> Decimal:
    return Decimal(0)


class Service:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        self.uow = uow
        self.clock = clock
        self.bus = bus
        self.credit_spent: Callable[[int], Decimal] = nothing_spent
        """What the sessions running on this node have run up on a prepaid wallet and not yet
        been charged (services/session_costs.py ``spent``, wired in bootstrap; from memory)."""


async def station_in_scope(uow: UnitOfWork, scope: Scope, ocpp_id: str) -> Station:
    """The station whose OCPP identity is ``ocpp_id``, as the caller may see it.

    NotFound, the same answer, for a station that does not exist, one of another organization
    and one at a site outside the caller's scope: nobody learns of stations they may not see.
    Whether it is connected is not asked here: the record's ``online`` may lag behind the
    socket, so the gateway says so when a command is sent (StationOffline, the command recorded
    as failed)."""
    station = await uow.stations.get(scope, ocpp_id)
    if station is None or station.id is None:
        raise NotFound("station", ocpp_id)
    return station
