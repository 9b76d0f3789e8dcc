"""The device model stations report (2.0.1 NotifyReport), kept and queryable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kilowatt.domain.command_params import CommandParams
from kilowatt.domain.commands import Command, Outcome
from kilowatt.domain.device_model import (
    ChangeConfiguration,
    DeviceVariable,
    GetConfiguration,
    GetVariables,
    SetVariables,
    merge,
)
from kilowatt.domain.live import DeviceModelReported
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import StationRef, key_of
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import DeviceModelFilter, UnitOfWork

CONFIGURATION_COMPONENT = "Configuration"
"""The component under which a 1.6 station's configuration keys are kept."""


class DeviceModelService(Service):
    def install(self, remote: CommandService) -> None:
        """Configuration read or changed by a command lands in the device model."""
        for params in (GetConfiguration, ChangeConfiguration, GetVariables, SetVariables):
            remote.register(Hook(params, complete=self._settings))

    async def _settings(
        self,
        uow: UnitOfWork,
        command: Command,
        params: CommandParams,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        settings = outcome.data.get("settings") or []
        if not settings:
            return
        reported = [
            DeviceVariable(
                station_id=command.station_id,
                component=str(item["component"]),
                component_instance=str(item.get("component_instance") or ""),
                evse_id=int(item.get("evse_id") or 0),
                connector_id=int(item.get("connector_id") or 0),
                variable=str(item["variable"]),
                variable_instance=str(item.get("variable_instance") or ""),
                attribute_type=str(item.get("attribute_type") or "Actual"),
                value=None if item.get("value") is None else str(item["value"]),
                mutability=item.get("mutability"),
                updated_at=now,
            )
            for item in settings
        ]
        await self._merge(uow, command.station_id, reported)

    async def store_report(self, ref: StationRef, reported: Sequence[DeviceVariable]) -> int:
        """Merge one NotifyReport part into what we know; returns how many attributes were new."""
        async with self.uow() as uow:
            added = await self._merge(uow, ref.id, reported)
            await uow.commit()
        self.bus.publish(DeviceModelReported(ref.ocpp_id, len(reported)))
        return added

    @staticmethod
    async def _merge(uow: UnitOfWork, station_id: int, reported: Sequence[DeviceVariable]) -> int:
        known = {v.key: v for v in await uow.device_model.for_station(station_id)}
        new: dict[tuple[str, str, int, int, str, str, str], DeviceVariable] = {}
        for variable in reported:
            existing = known.get(variable.key) or new.get(variable.key)
            if existing is None:
                new[variable.key] = variable
            else:
                merge(existing, variable)
        await uow.device_model.add_many(list(new.values()))
        return len(new)

    async def search(
        self, principal: Principal, ocpp_id: str, page: PageRequest, where: DeviceModelFilter
    ) -> Page[DeviceVariable]:
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.device_model.search(key_of(station), page, where)
