from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.persistence.models.device_model import device_variables
from kilowatt.persistence.repositories.base import Repository, page_of
from kilowatt.services.ports import DeviceModelFilter


class SqlDeviceModelRepository(Repository):
    async def for_station(self, station_id: int) -> list[DeviceVariable]:
        query = select(DeviceVariable).where(device_variables.c.station_id == station_id)
        return list((await self.session.execute(query)).scalars())

    async def add_many(self, variables: list[DeviceVariable]) -> None:
        self.session.add_all(variables)
        await self.session.flush()

    async def search(
        self, station_id: int, page: PageRequest, where: DeviceModelFilter
    ) -> Page[DeviceVariable]:
        dv = device_variables.c
        query = select(DeviceVariable).where(dv.station_id == station_id)
        if where.component:
            query = query.where(dv.component == where.component)
        if where.variable:
            query = query.where(dv.variable == where.variable)
        if where.evse_id is not None:
            query = query.where(dv.evse_id == where.evse_id)
        return await page_of(self.session, query, dv.id, page)
