"""CommandService against the fakes: a command is recorded, sent through the gateway, and its
outcome kept once, with hooks and the live event; refusals come before anything is sent."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from kilowatt.domain.command_params import ClearCache, DataTransfer, Reset
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.errors import InvalidInput, NotFound, StationOffline
from kilowatt.domain.live import CommandFinished
from kilowatt.domain.stations import OcppId, RegistrationStatus, Station
from kilowatt.domain.users import ActorKind, Principal, Role
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import UnitOfWork
from tests.support.fakes import (
    FakeUnitOfWorkFactory,
    FrozenClock,
    RecordingBus,
    RecordingGateway,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ORG = 1
ADMIN = Principal(ORG, Role.ADMIN, "ops@example.com", kind=ActorKind.USER)


class World:
    def __init__(self) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.bus = RecordingBus()
        self.gateway = RecordingGateway()
        self.commands = CommandService(self.uow, FrozenClock(NOW), self.bus, default_timeout=5)
        self.commands.gateway = self.gateway
        for ocpp_id, version in (("CP-16", "1.6"), ("CP-201", "2.0.1")):
            self.uow.store.stations.append(
                Station(
                    ORG,
                    ocpp_id,
                    RegistrationStatus.ACCEPTED,
                    NOW,
                    NOW,
                    protocol_version=version,
                    online=True,
                    id=self.uow.store.new_id(),
                )
            )

    async def send(self, params: Any, station: str = "CP-16") -> Command:
        return await self.commands.execute(ADMIN, OcppId(station), params, "test", wait=1)


@pytest.fixture
async def world() -> Any:
    made = World()
    yield made
    await made.commands.close()


async def test_a_command_is_recorded_sent_and_its_outcome_kept(world: World) -> None:
    done = await world.send(Reset(type="soft"))
    assert done.status is CommandStatus.ACCEPTED
    assert [r.params for r in world.gateway.sent] == [Reset(type="soft")]
    assert [e.status for e in world.bus.of(CommandFinished)] == [CommandStatus.ACCEPTED]
    audited = world.uow.store.audit
    assert [a.action for a in audited] == ["command.reset"]


async def test_a_station_that_is_not_connected_fails_the_command_at_once(world: World) -> None:
    world.gateway.offline.add("CP-16")
    with pytest.raises(StationOffline):
        await world.send(ClearCache())
    assert world.gateway.sent == []
    assert [c.status for c in world.uow.store.commands] == [CommandStatus.FAILED]


async def test_an_unknown_station_is_not_found_and_nothing_is_recorded(world: World) -> None:
    with pytest.raises(NotFound):
        await world.send(ClearCache(), station="CP-NOPE")
    assert world.uow.store.commands == []


async def test_a_rejection_is_the_outcome_and_is_recorded_once(world: World) -> None:
    world.gateway.answers["reset"] = Outcome(CommandStatus.REJECTED, {"status": "Rejected"})
    done = await world.send(Reset(type="hard"))
    assert done.status is CommandStatus.REJECTED
    assert done.id is not None
    # The sending node recorded it already; recording it again changes nothing.
    again = await world.commands.record_outcome(done.id, Outcome(CommandStatus.ACCEPTED, {}))
    assert again is not None
    assert again.status is CommandStatus.REJECTED
    assert len(world.bus.of(CommandFinished)) == 1


async def test_hooks_fill_in_the_parameters_and_see_the_outcome(world: World) -> None:
    seen: list[CommandStatus] = []

    async def prepare(
        uow: UnitOfWork, command: Command, params: DataTransfer, now: datetime
    ) -> DataTransfer:
        return dataclasses.replace(params, message_id="filled-in")

    async def complete(
        uow: UnitOfWork, command: Command, params: DataTransfer, outcome: Outcome, now: datetime
    ) -> None:
        seen.append(outcome.status)

    world.commands.register(Hook(DataTransfer, prepare, complete))
    await world.send(DataTransfer(vendor_id="Acme"))
    assert world.gateway.sent[0].params == DataTransfer(vendor_id="Acme", message_id="filled-in")
    assert seen == [CommandStatus.ACCEPTED]


async def test_a_hook_that_refuses_sends_nothing(world: World) -> None:
    async def prepare(uow: UnitOfWork, command: Command, params: Any, now: datetime) -> Any:
        raise InvalidInput("vendor_id", "not one of ours")

    world.commands.register(Hook(DataTransfer, prepare))
    with pytest.raises(InvalidInput):
        await world.send(DataTransfer(vendor_id="Acme"))
    assert world.gateway.sent == []
    assert world.uow.store.commands == []
