"""The raw OCPP traffic of each station, for investigation."""

from __future__ import annotations

from collections.abc import Sequence

from kilowatt.domain.events import OcppMessage
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import MessageFilter, StoredMessage


class MessageLogService(Service):
    async def record(self, messages: Sequence[OcppMessage]) -> None:
        async with self.uow() as uow:
            await uow.messages.add_many(messages)
            await uow.commit()

    async def search(
        self, principal: Principal, ocpp_id: str, page: PageRequest, where: MessageFilter
    ) -> Page[StoredMessage]:
        async with self.uow(readonly=True) as uow:
            await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.messages.search(ocpp_id, page, where)
