"""The local authorization list: built from the tokens allowed at a station, sent whole or
as the difference from what the station last accepted."""

from __future__ import annotations

from datetime import datetime

from kilowatt.domain.commands import Command, CommandStatus, Operation, Outcome
from kilowatt.domain.local_list import Entries, LocalList, desired, is_removal, plan
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.tokens import IdToken
from kilowatt.services.base import Service
from kilowatt.services.ports import TokenFilter, UnitOfWork
from kilowatt.services.remote_control import Hook, RemoteControlService


async def _all_tokens(uow: UnitOfWork, organization_id: int) -> list[IdToken]:
    tokens: list[IdToken] = []
    cursor = None
    while True:
        page = await uow.tokens.search(
            organization_id, PageRequest(limit=500, cursor=cursor), TokenFilter()
        )
        tokens += page.items
        if page.next_cursor is None:
            return tokens
        cursor = page.next_cursor


class LocalListService(Service):
    def install(self, remote: RemoteControlService) -> None:
        remote.register(Operation.SEND_LOCAL_LIST, Hook(self._prepare, self._sent))

    async def _prepare(self, uow: UnitOfWork, command: Command, now: datetime) -> None:
        """Every token of the organization may charge at every station until access rules
        exist (security issue); the update is recorded with the command."""
        full = command.params.get("update_type", "full") == "full"
        current = await uow.local_lists.for_station(command.station_id)
        update = plan(current, desired(await _all_tokens(uow, command.organization_id)), full=full)
        command.params.update(
            update_type="full" if update.full else "differential",
            version=update.version,
            entries=update.changes,
        )

    async def _sent(
        self, uow: UnitOfWork, command: Command, outcome: Outcome, now: datetime
    ) -> None:
        if outcome.status is not CommandStatus.ACCEPTED:
            return
        changes: Entries = command.params["entries"]
        current = await uow.local_lists.for_station(command.station_id)
        if command.params["update_type"] == "full" or current is None:
            result = dict(changes)
        else:
            result = dict(current.entries)
            for tag, data in changes.items():
                if is_removal(data):
                    result.pop(tag, None)
                else:
                    result[tag] = data
        if current is None:
            await uow.local_lists.add(
                LocalList(
                    station_id=command.station_id,
                    version=int(command.params["version"]),
                    entries=result,
                    updated_at=now,
                )
            )
        else:
            current.version = int(command.params["version"])
            current.entries = result
            current.updated_at = now
