"""Commands to stations: recorded, sent one at a time per station, outcome kept.

The service records a command, hands it to the station gateway (this node, or through Redis
the node that holds the socket), and waits for it as long as the caller wants. The node that
sends it records its progress (sent, outcome); operation-specific consequences (a reservation
accepted, a local list version, a configuration read) run as hooks in the same unit of work as
the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import structlog

from kilowatt.domain.command_params import CommandParams, encode_params
from kilowatt.domain.commands import (
    Command,
    CommandId,
    CommandRequest,
    CommandStatus,
    Operation,
    Outcome,
    check_available,
    finish,
    sent,
)
from kilowatt.domain.errors import NotFound, StationOffline
from kilowatt.domain.live import CommandFinished
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import OcppId, key_of
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    StationGateway,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger(__name__)

P = TypeVar("P", bound=CommandParams)
Prepare = Callable[[UnitOfWork, Command, P, datetime], Awaitable[P]]
Complete = Callable[[UnitOfWork, Command, P, Outcome, datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Hook(Generic[P]):
    """What the service that owns an operation does around its commands."""

    params: type[P]
    """The operation's parameters (the hook is registered for their operation)."""
    prepare: Prepare[P] | None = None
    """Before the command is recorded: the parameters to send, filled in (a reservation id, an
    upload URL...) with ``dataclasses.replace``; raising refuses the command."""
    complete: Complete[P] | None = None
    """With the outcome, in the same unit of work."""


class CommandService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        default_timeout: float,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.default_timeout = default_timeout
        self.gateway: StationGateway | None = None
        self.hooks: dict[Operation, Hook[Any]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def register(self, hook: Hook[Any]) -> None:
        self.hooks[hook.params.operation] = hook

    # Asking -------------------------------------------------------------------------------

    async def execute(
        self,
        principal: Principal,
        ocpp_id: OcppId,
        params: CommandParams,
        requested_by: str,
        *,
        wait: float = 30.0,
        timeout: float | None = None,
    ) -> Command:
        """Record and send the command ``params`` are for; return it when it finished or after
        ``wait`` seconds, whichever comes first (it goes on in the background). A station that
        is not connected fails the command at once with StationOffline."""
        assert self.gateway is not None, "bootstrap wires the gateway"
        command = await self._record(principal, ocpp_id, params, requested_by, timeout)
        assert command.id is not None
        if not await self.gateway.is_online(ocpp_id):
            await self.record_outcome(
                command.id, Outcome(CommandStatus.FAILED, error="station is not connected")
            )
            raise StationOffline(f"station {ocpp_id} is not connected")
        task = asyncio.create_task(self._run(command), name=f"command-{command.id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        if wait > 0:
            await asyncio.wait({task}, timeout=wait)
        return await self.get(principal, command.id)

    async def _record(
        self,
        principal: Principal,
        ocpp_id: OcppId,
        params: CommandParams,
        requested_by: str,
        timeout: float | None,
    ) -> Command:
        now = self.clock.now()
        operation = params.operation
        async with self.uow() as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            check_available(operation, station.protocol_version)
            params.check()
            command = Command(
                organization_id=principal.organization_id,
                station_id=key_of(station),
                station_ocpp_id=ocpp_id,
                operation=operation.value,
                params=params,
                requested_by=requested_by,
                status=CommandStatus.QUEUED,
                created_at=now,
                timeout=timeout or self.default_timeout,
            )
            hook = self.hooks.get(operation)
            if hook is not None and hook.prepare is not None:
                command.params = await hook.prepare(uow, command, params, now)
            if station.protocol_version is not None and self.gateway is not None:
                # Refused here, with a 422, rather than recorded and failed at the station's node.
                self.gateway.check(station.protocol_version, command.params)
            await uow.commands.add(command)
            await record(
                uow,
                principal,
                f"command.{operation.value}",
                "station",
                ocpp_id,
                {"command_id": command.id, "params": encode_params(params)},
                at=now,
            )
            await uow.commit()
        return command

    async def _run(self, command: Command) -> None:
        assert self.gateway is not None
        assert command.id is not None
        request = CommandRequest(
            command_id=command.id,
            station_ocpp_id=command.station_ocpp_id,
            params=command.params,
            timeout=command.timeout,
        )
        try:
            outcome = await self.gateway.execute(request)
        except Exception as error:
            log.exception("command failed", command=command.id)
            outcome = Outcome(CommandStatus.FAILED, error=f"could not be sent: {error}")
        # The sending node has recorded the outcome; this covers a node that could not.
        await self.record_outcome(command.id, outcome)

    async def close(self) -> None:
        for task in list(self._running):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # Progress, recorded by the node that holds the socket ---------------------------------

    async def record_sent(
        self, command_id: CommandId, action: str, request: dict[str, Any]
    ) -> None:
        async with self.uow() as uow:
            command = await uow.commands.get(command_id)
            if command is None:
                return
            sent(command, action, request, self.clock.now())
            await uow.commit()

    async def record_outcome(self, command_id: CommandId, outcome: Outcome) -> Command | None:
        now = self.clock.now()
        async with self.uow() as uow:
            command = await uow.commands.get(command_id)
            if command is None or not finish(command, outcome, now):
                return command
            hook = self.hooks.get(Operation(command.operation))
            if hook is not None and hook.complete is not None:
                await hook.complete(uow, command, command.params, outcome, now)
            await uow.commit()
        assert command.id is not None
        self.bus.publish(
            CommandFinished(command.station_ocpp_id, command.id, command.operation, command.status)
        )
        return command

    # Reading ------------------------------------------------------------------------------

    async def get(self, principal: Principal, command_id: int) -> Command:
        async with self.uow(readonly=True) as uow:
            command = await uow.commands.get_for_org(principal.scope, command_id)
        if command is None:
            raise NotFound("command", command_id)
        return command

    async def search(
        self, principal: Principal, page: PageRequest, ocpp_id: str | None = None
    ) -> Page[Command]:
        scope = principal.scope
        async with self.uow(readonly=True) as uow:
            station_id = None
            if ocpp_id is not None:
                station_id = key_of(await station_in_scope(uow, scope, ocpp_id))
            return await uow.commands.search(scope, page, station_id)
