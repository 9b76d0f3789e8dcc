"""The raw OCPP traffic of each station, for investigation."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.errors import NotFound
from kilowatt.domain.events import OcppMessage
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.services.base import Service
from kilowatt.services.ports import MessageFilter, StoredMessage


class MessageLogService(Service):
    async def record(self, messages: Sequence[OcppMessage]) -> None:
        async with self.uow() as uow:
            await uow.messages.add_many(messages)
            await uow.commit()

    async def search(
        self, organization_id: int, ocpp_id: str, page: PageRequest, where: MessageFilter
    ) -> Page[StoredMessage]:
        async with self.uow(readonly=True) as uow:
            if await uow.stations.get(organization_id, ocpp_id) is None:
                raise NotFound("station", ocpp_id)
            return await uow.messages.search(ocpp_id, page, where)
