"""Storage ports of the device model area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.paging import Page, PageRequest


@dataclass(frozen=True, slots=True)
class DeviceModelFilter:
    component: str | None = None
    variable: str | None = None
    evse_id: int | None = None


class DeviceModelRepository(Protocol):
    async def for_station(self, station_id: int) -> list[DeviceVariable]: ...
    async def add_many(self, variables: list[DeviceVariable]) -> None: ...
    async def search(
        self, station_id: int, page: PageRequest, where: DeviceModelFilter
    ) -> Page[DeviceVariable]: ...
