"""LoadService against the fakes: a pass sends each session's limit through the command
service once, sends nothing when nothing moved (no storm), holds and then lets go a session by
the rules, forgets a limit a station could not get (it is sent again once it is back), and
reacts to a car's draw only when it moved by an ampere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.charging_profiles import ProfilePurpose
from kilowatt.domain.command_params import SetChargingProfile
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.live import MeterValuesReported, SessionLimited, SiteLoadChanged
from kilowatt.domain.loads import LoadSettings, RuleState
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import RegistrationStatus, Station
from kilowatt.domain.transactions import Transaction, TransactionState
from kilowatt.domain.users import Principal
from kilowatt.services.commands import CommandService
from kilowatt.services.loads import LoadService
from tests.support import fake_loads
from tests.support.fakes import FakeUnitOfWorkFactory, FrozenClock, RecordingBus, RecordingGateway

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ORG, SITE = 1, 50
OWNER = Principal.system(ORG)
fake_loads.install()


class World:
    def __init__(self) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.clock = FrozenClock(NOW)
        self.bus = RecordingBus()
        self.gateway = RecordingGateway()
        self.commands = CommandService(self.uow, self.clock, self.bus, default_timeout=5)
        self.commands.gateway = self.gateway
        self.loads = LoadService(self.uow, self.clock, self.bus)
        self.loads.install(self.commands, self.bus)
        store = self.uow.store
        fake_loads.add_site(
            store, Site(ORG, "Depot", "UTC", NOW, NOW, grid_capacity_w=100_000, id=SITE)
        )
        self.station = Station(
            ORG, "CP-1", RegistrationStatus.ACCEPTED, NOW, NOW, site_id=SITE,
            protocol_version="1.6", online=True, id=store.new_id(),
        )  # fmt: skip
        store.stations.append(self.station)

    def charge(self, evse: int, minutes: int = 0) -> int:
        store = self.uow.store
        tx = Transaction(
            ORG, self.station.id or 0, evse, 1, "TAG", NOW + timedelta(minutes=minutes), 0,
            TransactionState.ACTIVE, NOW, NOW, id=store.new_id(),
        )  # fmt: skip
        store.transactions.append(tx)
        assert tx.id is not None
        return tx.id

    async def sent(self) -> list[tuple[int, float]]:
        """(EVSE, amperes) of every session's SetChargingProfile the gateway was handed so far
        (not the stations' failsafe: tests/unit/services/test_load_failsafe.py)."""
        await asyncio.sleep(0)
        for _ in range(50):
            if not self.commands._running:
                break
            await asyncio.sleep(0.01)
        return [
            (r.params.evse_id, r.params.charging_profile.schedule.periods[0].limit)
            for r in self.gateway.sent
            if isinstance(r.params, SetChargingProfile)
            and r.params.charging_profile.purpose is ProfilePurpose.TX
        ]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    made = World()
    await made.loads.configure(OWNER, SITE, LoadSettings(reserve_pct=0), 100_000)
    yield made
    await made.loads.close()
    await made.commands.close()


async def test_a_pass_sends_each_limit_once_and_nothing_when_nothing_moved(world: World) -> None:
    await world.loads.report(OWNER, SITE, 30_000)
    first, second = world.charge(1), world.charge(2, minutes=1)
    await world.loads.rebalance(SITE)
    assert sorted(await world.sent()) == [(1, 32.0), (2, 32.0)]
    transaction_ids = {
        r.params.charging_profile.transaction_id
        for r in world.gateway.sent
        if isinstance(r.params, SetChargingProfile)
        and r.params.charging_profile.purpose is ProfilePurpose.TX
    }
    assert transaction_ids == {str(first), str(second)}
    for _ in range(3):
        await world.loads.rebalance(SITE)
        await world.loads.report(OWNER, SITE, 30_500)
    assert len(await world.sent()) == 2
    assert [e.state for e in world.bus.of(SiteLoadChanged)][-1] is RuleState.NORMAL
    assert len(world.bus.of(SessionLimited)) == 2


async def test_a_session_starting_above_80_percent_waits_until_the_load_falls(
    world: World,
) -> None:
    await world.loads.report(OWNER, SITE, 90_000)
    world.charge(1)
    await world.loads.rebalance(SITE)
    assert await world.sent() == [(1, 0.0)]
    await world.loads.report(OWNER, SITE, 78_000)  # above 75 %: still held
    assert await world.sent() == [(1, 0.0)]
    await world.loads.report(OWNER, SITE, 60_000)  # let go, at half power (above 50 %)
    assert await world.sent() == [(1, 0.0), (1, 16.0)]
    await world.loads.report(OWNER, SITE, 30_000)  # below 45 %: lifted to full power
    assert await world.sent() == [(1, 0.0), (1, 16.0), (1, 32.0)]
    decisions = (await world.loads.view(OWNER, SITE)).decisions
    assert [d.state for d in decisions if d.kind == "rule"] == [
        RuleState.NORMAL,
        RuleState.HALF_POWER,
        RuleState.HOLD,
    ]


async def test_a_limit_an_offline_station_could_not_get_is_sent_once_it_is_back(
    world: World,
) -> None:
    await world.loads.report(OWNER, SITE, 30_000)
    tx = world.charge(1)
    world.gateway.offline.add("CP-1")
    await world.loads.rebalance(SITE)
    assert await world.sent() == []
    view = await world.loads.view(OWNER, SITE)
    assert [(s.transaction_id, held and held.limit_a) for s, held in view.sessions] == [(tx, None)]
    world.gateway.offline.clear()
    await world.loads.rebalance(SITE)
    assert await world.sent() == [(1, 32.0)]


async def test_a_car_s_draw_counts_only_when_it_moved_by_an_ampere(world: World) -> None:
    await world.loads.report(OWNER, SITE, 30_000)
    tx = world.charge(1)
    await world.loads.rebalance(SITE)
    world.loads._on_meter(MeterValuesReported("CP-1", 1, 1, tx, None, {"Current.Import": 10.0}))
    await asyncio.sleep(0.05)
    await world.sent()
    held = (await world.loads.view(OWNER, SITE)).sessions[0][1]
    assert held is not None
    assert (held.drawn_a, held.limit_a) == (10.0, 11.0)  # what it draws, plus 1 A
    world.loads._on_meter(MeterValuesReported("CP-1", 1, 1, tx, None, {"Current.Import": 10.6}))
    await asyncio.sleep(0.05)
    held = (await world.loads.view(OWNER, SITE)).sessions[0][1]
    assert held is not None
    assert held.drawn_a == 10.0
    assert await world.sent() == [(1, 32.0), (1, 11.0)]


async def test_settings_are_checked_and_a_meter_topic_belongs_to_one_site(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await world.loads.configure(OWNER, SITE, LoadSettings(half_at_pct=90), 100_000)
    assert refused.value.field == "half_at_pct"
    with pytest.raises(InvalidInput) as missing:
        await world.loads.configure(OWNER, SITE, LoadSettings(), None)
    assert missing.value.field == "capacity_w"
    other = Site(ORG, "Other", "UTC", NOW, NOW, grid_capacity_w=50_000, id=SITE + 1)
    fake_loads.add_site(world.uow.store, other)
    await world.loads.configure(OWNER, SITE, LoadSettings(meter_topic="m/depot"), 100_000)
    with pytest.raises(InvalidInput) as taken:
        await world.loads.configure(OWNER, SITE + 1, LoadSettings(meter_topic="m/depot"), 50_000)
    assert taken.value.field == "meter_topic"
    assert await world.loads.report_topic("m/depot", "40 kW") == SITE
    assert await world.loads.report_topic("m/nowhere", "40 kW") is None
    assert (await world.loads.view(OWNER, SITE)).load_w == 40_000


async def test_an_unmanaged_session_s_readings_are_looked_up_once(world: World) -> None:
    """Meter values are the hot path: a session load management does not hold is looked up at
    its first reading only, until load management looks at a site again."""
    tx = world.charge(1)  # no pass yet: the session is not managed

    async def reading(amps: float) -> int:
        before = len(world.uow.opened)
        world.loads._on_meter(MeterValuesReported("CP-1", 1, 1, tx, None, {"Current.Import": amps}))
        await asyncio.sleep(0.02)
        return len(world.uow.opened) - before

    assert await reading(10.0) == 1
    assert await reading(12.0) == 0
    assert await reading(14.0) == 0
    await world.loads.report(OWNER, SITE, 30_000)  # a pass: the session is managed now
    assert world.bus.of(SiteLoadChanged)
    await world.sent()
    assert await reading(16.0) >= 1
    held = (await world.loads.view(OWNER, SITE)).sessions[0][1]
    assert held is not None
    assert held.drawn_a == 16.0


async def test_whether_a_station_s_site_is_managed_is_asked_once_until_forgotten(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session's start and its stop both ask it: the answer is kept (30 s, or until the
    station's site or a site's load settings are written, which forget it)."""
    store = world.uow.store
    store.stations.append(
        Station(ORG, "CP-2", RegistrationStatus.ACCEPTED, NOW, NOW, id=store.new_id())
    )

    async def asks() -> int:
        before = len(world.uow.opened)
        await world.loads._station_changed("CP-2")
        return len(world.uow.opened) - before

    assert [await asks() for _ in range(3)] == [1, 0, 0]
    world.loads.forget_sites()
    assert await asks() == 1
    monkeypatch.setattr("kilowatt.services.loads.SITE_MEMORY_SECONDS", 0.0)
    assert await asks() == 1
