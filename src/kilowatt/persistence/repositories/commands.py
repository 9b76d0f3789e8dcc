from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.commands import Command, StartOutcome
from kilowatt.domain.local_list import LocalList
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.reservations import OPEN, Reservation
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.commands import commands, local_lists, reservations
from kilowatt.persistence.repositories.base import Repository, at_scoped_station, page_of


class SqlCommandRepository(Repository):
    async def get(self, command_id: int) -> Command | None:
        return await self.session.get(Command, command_id)

    async def get_for_org(self, scope: Scope, command_id: int) -> Command | None:
        query = select(Command).where(
            commands.c.id == command_id,
            commands.c.organization_id == scope.organization_id,
            at_scoped_station(commands.c.station_id, scope),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, command: Command) -> Command:
        return await self._add(command)

    async def awaiting_start(self, station_id: int | None = None) -> list[Command]:
        query = select(Command).where(commands.c.start_outcome == StartOutcome.WAITING)
        if station_id is not None:
            query = query.where(commands.c.station_id == station_id)
        return list((await self.session.execute(query.order_by(commands.c.id))).scalars())

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Command]:
        query = select(Command).where(
            commands.c.organization_id == scope.organization_id,
            at_scoped_station(commands.c.station_id, scope),
        )
        if station_id is not None:
            query = query.where(commands.c.station_id == station_id)
        return await page_of(self.session, query, commands.c.id, page, newest_first=True)


class SqlReservationRepository(Repository):
    async def get(self, reservation_id: int) -> Reservation | None:
        return await self.session.get(Reservation, reservation_id)

    async def get_for_org(self, scope: Scope, reservation_id: int) -> Reservation | None:
        query = select(Reservation).where(
            reservations.c.id == reservation_id,
            reservations.c.organization_id == scope.organization_id,
            at_scoped_station(reservations.c.station_id, scope),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, reservation: Reservation) -> Reservation:
        return await self._add(reservation)

    async def open_for_station(self, station_id: int) -> list[Reservation]:
        query = select(Reservation).where(
            reservations.c.station_id == station_id, reservations.c.status.in_(list(OPEN))
        )
        return list((await self.session.execute(query)).scalars())

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Reservation]:
        query = select(Reservation).where(
            reservations.c.organization_id == scope.organization_id,
            at_scoped_station(reservations.c.station_id, scope),
        )
        if station_id is not None:
            query = query.where(reservations.c.station_id == station_id)
        return await page_of(self.session, query, reservations.c.id, page, newest_first=True)


class SqlLocalListRepository(Repository):
    async def for_station(self, station_id: int) -> LocalList | None:
        query = select(LocalList).where(local_lists.c.station_id == station_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, local_list: LocalList) -> LocalList:
        return await self._add(local_list)
