"""Storage ports of the local list area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.local_list import LocalList


class LocalListRepository(Protocol):
    async def for_station(self, station_id: int) -> LocalList | None: ...
    async def add(self, local_list: LocalList) -> LocalList: ...
