"""Storage ports of the commands area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.command_params import CommandParams
from kilowatt.domain.commands import Command, CommandRequest, Outcome
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import OcppId
from kilowatt.domain.users import Scope


class CommandRepository(Protocol):
    async def get(self, command_id: int) -> Command | None: ...
    async def get_for_org(self, scope: Scope, command_id: int) -> Command | None: ...
    async def add(self, command: Command) -> Command: ...
    async def awaiting_start(self, station_id: int | None = None) -> list[Command]:
        """Remote starts still waiting for their session (of one station), oldest first."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, station_id: int | None = None
    ) -> Page[Command]: ...


class StationGateway(Protocol):
    """Reaches a station's socket, on this node or, through Redis, on the node that holds it."""

    async def is_online(self, ocpp_id: OcppId) -> bool: ...

    def check(self, protocol_version: str, params: CommandParams) -> None:
        """Raise InvalidInput when the command cannot become a valid CALL of that version."""
        ...

    async def execute(self, request: CommandRequest) -> Outcome:
        """Send the command and return its outcome. The node holding the socket records its
        progress (sent, outcome) through CommandService before this returns."""
        ...
