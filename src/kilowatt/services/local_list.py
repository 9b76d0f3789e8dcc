"""The local authorization list: built from the tokens allowed at a station, sent whole or
as the difference from what the station last accepted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kilowatt.domain.access import AccessMode, AccessRule
from kilowatt.domain.command_params import SendLocalList
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.local_list import Entries, LocalList, desired, is_removal, plan
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.stations import key_of
from kilowatt.domain.tokens import IdToken
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import TokenFilter, UnitOfWork


async def _all_tokens(uow: UnitOfWork, organization_id: int, where: TokenFilter) -> list[IdToken]:
    tokens: list[IdToken] = []
    cursor = None
    while True:
        page = await uow.tokens.search(
            organization_id, PageRequest(limit=500, cursor=cursor), where
        )
        tokens += page.items
        if page.next_cursor is None:
            return tokens
        cursor = page.next_cursor


async def wanted_entries(
    uow: UnitOfWork, organization_id: int, station_id: int, now: datetime
) -> Entries:
    """What the station's list should hold: the tokens allowed there at any time (all of
    the organization's at a public station; at a private one, those of the groups a rule
    without time windows grants it; see domain/local_list.py)."""
    place = await uow.access_rules.place(station_id)
    rules: list[AccessRule] = []
    where = TokenFilter()
    if place is not None and place.mode is AccessMode.PRIVATE:
        rules = await uow.access_rules.at_place(place)
        where = TokenFilter(group_ids=frozenset(r.group_id for r in rules if r.always))
        if not where.group_ids:
            return {}
    tokens = await _all_tokens(uow, organization_id, where)
    groups = await uow.token_groups.by_ids(
        organization_id, {t.group_id for t in tokens if t.group_id is not None}
    )
    parents = {g.id: g.parent_id_tag for g in groups if g.id is not None}
    return desired(tokens, now, parents, place=place, rules=rules)


class LocalListService(Service):
    def install(self, remote: CommandService) -> None:
        remote.register(Hook(SendLocalList, self._prepare, self._sent))

    async def _prepare(
        self, uow: UnitOfWork, command: Command, params: SendLocalList, now: datetime
    ) -> SendLocalList:
        """The tokens allowed at the station (``wanted_entries``), sent whole or as the
        difference from what it last accepted; the update is recorded with the command."""
        current = await uow.local_lists.for_station(command.station_id)
        wanted = await wanted_entries(uow, command.organization_id, command.station_id, now)
        update = plan(current, wanted, full=params.update_type == "full")
        return replace(
            params,
            update_type="full" if update.full else "differential",
            version=update.version,
            entries=update.changes,
        )

    async def _sent(
        self,
        uow: UnitOfWork,
        command: Command,
        params: SendLocalList,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        if outcome.status is not CommandStatus.ACCEPTED or params.version is None:
            return
        changes = {tag: dict(data) for tag, data in (params.entries or {}).items()}
        current = await uow.local_lists.for_station(command.station_id)
        if params.update_type == "full" or current is None:
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
                    version=params.version,
                    entries=result,
                    updated_at=now,
                )
            )
        else:
            current.version = params.version
            current.entries = result
            current.updated_at = now

    async def current(self, principal: Principal, ocpp_id: str) -> LocalList | None:
        """What the station last accepted (None: it was never sent a list)."""
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.local_lists.for_station(key_of(station))
