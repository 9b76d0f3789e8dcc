"""Storage ports of the reservations area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.reservations import Reservation
from kilowatt.domain.users import Scope


class ReservationRepository(Protocol):
    async def get(self, reservation_id: int) -> Reservation | None: ...
    async def get_for_org(self, scope: Scope, reservation_id: int) -> Reservation | None: ...
    async def add(self, reservation: Reservation) -> Reservation: ...
    async def open_for_station(self, station_id: int) -> list[Reservation]: ...
    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Reservation]: ...
