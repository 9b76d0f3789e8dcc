"""Storage ports of the events area."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kilowatt.domain.events import StationEvent
from kilowatt.domain.paging import Page, PageRequest


class EventRepository(Protocol):
    async def add(self, event: StationEvent) -> None: ...
    async def add_many(self, events: Sequence[StationEvent]) -> None: ...
    async def search(
        self, station_id: int, page: PageRequest, kind: str | None = None
    ) -> Page[StationEvent]: ...
