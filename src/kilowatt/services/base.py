"""Wiring shared by the services, and the one way they look a station up by its identity."""

from __future__ import annotations

from datetime import UTC, datetime

from kilowatt.domain.errors import NotFound
from kilowatt.domain.stations import Station
from kilowatt.domain.users import Scope
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Service:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        self.uow = uow
        self.clock = clock
        self.bus = bus


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
