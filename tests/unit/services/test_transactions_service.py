"""TransactionService and MeteringService against the in-memory fakes (tests/support/fakes.py):
the rules of a session's life, replays and refusals, in milliseconds and without a server.
The same behaviour is proved through real sockets in tests/integration/ocpp/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.live import TransactionEnded
from kilowatt.domain.metering import SampledValue
from kilowatt.domain.stations import (
    Connector,
    RegistrationStatus,
    Station,
    StationRef,
)
from kilowatt.domain.tokens import AuthorizationStatus, IdToken, IdTokenType, TokenStatus
from kilowatt.domain.transactions import TransactionEventType, TransactionState
from kilowatt.services.metering import MeteringService, MeterReport
from kilowatt.services.transactions import (
    StartRequest,
    StopRequest,
    TokenRef,
    TransactionEventInput,
    TransactionService,
)
from tests.support.fakes import FakeUnitOfWorkFactory, FrozenClock, RecordingBus

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ORG = 1
ENERGY = "Energy.Active.Import.Register"


class World:
    """One organization, one station with two connectors, the services under test."""

    def __init__(self) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.clock = FrozenClock(NOW)
        self.bus = RecordingBus()
        self.transactions = TransactionService(self.uow, self.clock, self.bus)
        self.metering = MeteringService(self.uow, self.clock, self.bus)
        store = self.uow.store
        station = Station(
            organization_id=ORG,
            ocpp_id="CP-1",
            registration_status=RegistrationStatus.ACCEPTED,
            created_at=NOW,
            updated_at=NOW,
            online=True,
            connected_at=NOW - timedelta(hours=1),
            id=store.new_id(),
        )
        store.stations.append(station)
        for evse in (1, 2, 3):
            store.connectors.append(
                Connector(station.id or 0, evse, 1, NOW, max_power_w=22_000, id=store.new_id())
            )
        self.ref = StationRef(
            id=station.id or 0,
            organization_id=ORG,
            ocpp_id="CP-1",
            registration_status=RegistrationStatus.ACCEPTED,
            connected_at=station.connected_at,
        )

    def card(self, value: str, status: TokenStatus = TokenStatus.ACCEPTED) -> IdToken:
        token = IdToken(
            ORG, value, IdTokenType.ISO14443, status, NOW, NOW, id=self.uow.store.new_id()
        )
        self.uow.store.tokens.append(token)
        return token

    def state_of(self, transaction_id: int) -> TransactionState:
        found = [t for t in self.uow.store.transactions if t.id == transaction_id]
        return found[0].state

    async def start(
        self, evse: int, tag: str, meter: int = 0, minutes: float = 0
    ) -> tuple[int, str]:
        result = await self.transactions.start(
            self.ref, StartRequest(evse, 1, tag, NOW + timedelta(minutes=minutes), meter)
        )
        return result.transaction_id, result.decision.status.value

    async def stop(
        self, transaction_id: int, meter: int, minutes: float, tag: str | None = None
    ) -> None:
        await self.transactions.stop(
            self.ref,
            StopRequest(transaction_id, NOW + timedelta(minutes=minutes), meter, id_tag=tag),
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_a_start_is_accepted_and_its_replay_creates_nothing(world: World) -> None:
    world.card("CARD")
    first, status = await world.start(1, "CARD", 1_000)
    again = await world.transactions.start(world.ref, StartRequest(1, 1, "CARD", NOW, 1_000))
    assert status == "Accepted"
    assert again.transaction_id == first
    assert again.replayed
    assert len(world.uow.store.transactions) == 1


async def test_a_refused_start_locks_the_card_nowhere(world: World) -> None:
    world.card("CARD")
    one, _ = await world.start(1, "CARD")
    two, refused = await world.start(2, "CARD", minutes=1)
    assert refused == "ConcurrentTx"
    assert world.state_of(two) is TransactionState.REFUSED
    await world.stop(one, 500, minutes=2)
    three, status = await world.start(3, "CARD", minutes=3)
    assert status == "Accepted"
    assert world.state_of(three) is TransactionState.ACTIVE


async def test_a_unit_of_work_left_without_commit_keeps_nothing(world: World) -> None:
    """The fakes behave as a database transaction: what is not committed is gone."""
    token = world.card("CARD")
    async with world.uow() as uow:
        found = await uow.tokens.find(ORG, "card")
        assert found is not None
        found.status = TokenStatus.BLOCKED
    assert token.status is TokenStatus.ACCEPTED
    assert world.uow.store.tokens[0].status is TokenStatus.ACCEPTED


async def test_stop_gives_the_energy_and_a_replayed_stop_changes_nothing(world: World) -> None:
    world.card("CARD")
    tx, _ = await world.start(1, "CARD", 10_000)
    await world.stop(tx, 13_000, minutes=30)
    await world.stop(tx, 99_000, minutes=40)
    found = world.uow.store.transactions[0]
    assert found.state is TransactionState.COMPLETED
    assert found.energy_wh == 3_000


async def test_the_lifetime_register_is_not_billed(world: World) -> None:
    world.card("CARD")
    tx, _ = await world.start(1, "CARD", 0)
    for minute, wh in ((1, 909_948), (2, 910_948)):
        await world.metering.record(MeterReport(world.ref, 1, 1, tx, [_register(wh, minute)]))
    await world.stop(tx, 911_948, minutes=3)
    found = world.uow.store.transactions[0]
    assert found.energy_wh == 2_000
    assert "energy_implausible" in found.flags
    await world.metering.close()


async def test_201_events_in_any_order_end_in_the_same_session(world: World) -> None:
    world.card("CARD")

    def event(kind: TransactionEventType, seq: int, minutes: int, wh: int) -> TransactionEventInput:
        return TransactionEventInput(
            event_type=kind,
            transaction_ref="TX-9",
            seq_no=seq,
            timestamp=NOW + timedelta(minutes=minutes),
            trigger_reason="Authorized" if seq == 0 else "MeterValuePeriodic",
            evse_id=1,
            connector_id=1,
            id_token=TokenRef("CARD", IdTokenType.ISO14443) if seq == 0 else None,
            offline=True,
            samples=[_register(wh, minutes)],
        )

    started = event(TransactionEventType.STARTED, 0, 0, 1_000)
    updated = event(TransactionEventType.UPDATED, 1, 10, 2_500)
    ended = event(TransactionEventType.ENDED, 2, 20, 4_000)
    world.clock.advance(minutes=21)  # the station was offline: all three arrive now
    gap = await world.transactions.event(world.ref, ended)
    assert "seq_gap" in world.uow.store.transactions[0].flags
    first = await world.transactions.event(world.ref, started)
    await world.transactions.event(world.ref, updated)
    assert first.transaction_id == gap.transaction_id
    assert first.decision is not None
    assert first.decision.status is AuthorizationStatus.ACCEPTED
    found = world.uow.store.transactions[0]
    assert (found.state, found.energy_wh, found.flags) == (TransactionState.COMPLETED, 3_000, [])
    assert found.offline
    ended_events = world.bus.of(TransactionEnded)
    assert [e.transaction_id for e in ended_events] == [gap.transaction_id]


def _register(wh: int, minutes: float) -> SampledValue:
    return SampledValue(NOW + timedelta(minutes=minutes), ENERGY, float(wh), "Wh")
