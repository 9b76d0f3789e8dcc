"""Storage ports of the drivers area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.drivers import Driver
from kilowatt.domain.paging import Page, PageRequest


@dataclass(frozen=True, slots=True)
class DriverFilter:
    active: bool | None = None
    search: str | None = None


class DriverRepository(Protocol):
    async def get(self, organization_id: int, driver_id: int) -> Driver | None: ...
    async def by_email(self, organization_id: int, email: str) -> Driver | None:
        """``email`` as stored: normalised to lower case."""
        ...

    async def search(
        self, organization_id: int, page: PageRequest, where: DriverFilter
    ) -> Page[Driver]: ...
    async def created_between(
        self, organization_id: int, start: datetime, end: datetime
    ) -> list[datetime]:
        """When each driver made in [start, end) was made."""
        ...

    async def add(self, driver: Driver) -> Driver: ...
    async def delete(self, driver: Driver) -> None: ...
