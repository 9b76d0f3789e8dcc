from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kilowatt.domain.drivers import Driver
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.persistence.models.drivers import drivers
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.services.ports import DriverFilter


class SqlDriverRepository(Repository):
    async def get(self, organization_id: int, driver_id: int) -> Driver | None:
        query = select(Driver).where(
            drivers.c.id == driver_id, drivers.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_email(self, organization_id: int, email: str) -> Driver | None:
        query = select(Driver).where(
            drivers.c.organization_id == organization_id, drivers.c.email == email
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self, organization_id: int, page: PageRequest, where: DriverFilter
    ) -> Page[Driver]:
        query = select(Driver).where(drivers.c.organization_id == organization_id)
        if where.active is not None:
            query = query.where(drivers.c.is_active.is_(where.active))
        if where.search:
            query = query.where(
                contains(drivers.c.email, where.search)
                | contains(drivers.c.name, where.search)
                | contains(drivers.c.phone, where.search)
            )
        return await page_of(self.session, query, drivers.c.id, page)

    async def created_between(
        self, organization_id: int, start: datetime, end: datetime
    ) -> list[datetime]:
        query = select(drivers.c.created_at).where(
            drivers.c.organization_id == organization_id,
            drivers.c.created_at >= start,
            drivers.c.created_at < end,
        )
        return [row[0] for row in await self.session.execute(query)]

    async def add(self, driver: Driver) -> Driver:
        return await self._add(driver)

    async def delete(self, driver: Driver) -> None:
        await self._delete(driver)
