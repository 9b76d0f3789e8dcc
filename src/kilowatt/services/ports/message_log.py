"""Storage ports of the message log area."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.events import Direction, OcppMessage
from kilowatt.domain.paging import Page, PageRequest


@dataclass(frozen=True, slots=True)
class MessageFilter:
    action: str | None = None
    direction: Direction | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    message: OcppMessage


class MessageLogRepository(Protocol):
    async def add_many(self, messages: Sequence[OcppMessage]) -> None: ...
    async def search(
        self, station_ocpp_id: str, page: PageRequest, where: MessageFilter
    ) -> Page[StoredMessage]: ...
