"""The device model stations report (2.0.1 NotifyReport), kept and queryable."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.device_model import DeviceVariable, merge
from kilowatt.domain.errors import NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import StationRef
from kilowatt.services.base import Service
from kilowatt.services.ports import DeviceModelFilter


class DeviceModelService(Service):
    async def store_report(self, ref: StationRef, reported: Sequence[DeviceVariable]) -> int:
        """Merge one NotifyReport part into what we know; returns how many attributes were new."""
        async with self.uow() as uow:
            known = {v.key: v for v in await uow.device_model.for_station(ref.id)}
            new: dict[tuple[str, str, int, int, str, str, str], DeviceVariable] = {}
            for variable in reported:
                existing = known.get(variable.key) or new.get(variable.key)
                if existing is None:
                    new[variable.key] = variable
                else:
                    merge(existing, variable)
            await uow.device_model.add_many(list(new.values()))
            await uow.commit()
        self.bus.publish("station.device_model", {"station": ref.ocpp_id, "count": len(reported)})
        return len(new)

    async def search(
        self, organization_id: int, ocpp_id: str, page: PageRequest, where: DeviceModelFilter
    ) -> Page[DeviceVariable]:
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.get(organization_id, ocpp_id)
            if station is None or station.id is None:
                raise NotFound("station", ocpp_id)
            return await uow.device_model.search(station.id, page, where)
