"""LoadMeterService against the fakes, with a clock the test moves: a site meter station's main
meter power becomes the site's readings and costs nothing for other stations' meter values; a
silent meter raises one alert per silence, cleared by the next reading."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time

import pytest

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.live import MeterValuesReported, SiteMeterBack, SiteMeterSilent
from kilowatt.domain.load_caps import LoadCap
from kilowatt.domain.loads import DecisionKind, LoadSettings
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import RegistrationStatus, Station
from kilowatt.domain.tariffs import Weekday
from kilowatt.services.load_meters import LoadMeterService
from tests.support import fake_loads
from tests.unit.services.test_loads_service import NOW, ORG, OWNER, SITE, World


class MeterWorld(World):
    def __init__(self) -> None:
        super().__init__()
        self.meters = LoadMeterService(self.uow, self.clock, self.bus)
        self.meters.install(self.loads, self.bus)
        store = self.uow.store
        self.meter = Station(
            ORG, "METER-1", RegistrationStatus.ACCEPTED, NOW, NOW, site_id=SITE,
            protocol_version="1.6", online=True, id=store.new_id(),
        )  # fmt: skip
        store.stations.append(self.meter)

    async def report(self, station: str, evse: int, values: dict[str, float]) -> int:
        """Publish a meter report as the OCPP edge does; how many units of work it took."""
        before = len(self.uow.opened)
        self.bus.publish(MeterValuesReported(station, evse, evse, None, None, values))
        await self.meters.settle()
        return len(self.uow.opened) - before


@pytest.fixture
async def world() -> AsyncIterator[MeterWorld]:
    made = MeterWorld()
    await made.loads.configure(
        OWNER,
        SITE,
        LoadSettings(reserve_pct=0, meter_station="METER-1", fallback_load_w=40_000),
        100_000,
    )
    yield made
    await made.meters.settle()
    await made.loads.close()
    await made.commands.close()


async def test_the_meter_station_s_main_meter_power_is_the_site_s_reading(
    world: MeterWorld,
) -> None:
    assert await world.report("METER-1", 0, {f"Power.Active.Import.L{n}": 20e3 for n in (1, 2, 3)})
    view = await world.loads.view(OWNER, SITE)
    assert (view.load_w, view.measured) == (60_000, True)
    assert [(r.load_w, r.source) for r in view.readings] == [(60_000, "ocpp")]


async def test_other_meter_values_cost_nothing(world: MeterWorld) -> None:
    await world.report("METER-1", 0, {"Power.Active.Import": 1.0})  # the map is read once
    assert await world.report("METER-1", 1, {"Power.Active.Import": 9e3}) == 0  # not EVSE 0
    assert await world.report("CP-1", 0, {"Power.Active.Import": 9e3}) == 0  # not the meter
    assert await world.report("METER-1", 0, {"Energy.Active.Import.Register": 9.0}) == 0
    readings = (await world.loads.view(OWNER, SITE)).readings
    assert [r.load_w for r in readings] == [1]


async def test_a_settings_change_moves_the_meter_at_once(world: MeterWorld) -> None:
    await world.report("METER-1", 0, {"Power.Active.Import": 1.0})
    await world.loads.configure(OWNER, SITE, LoadSettings(meter_station="CP-1"), 100_000)
    assert await world.report("METER-1", 0, {"Power.Active.Import": 2.0}) == 0
    await world.report("CP-1", 0, {"Power.Active.Import": 3.0})
    readings = (await world.loads.view(OWNER, SITE)).readings
    assert [r.load_w for r in readings] == [3, 1]


async def test_the_meter_station_must_be_the_site_s(world: MeterWorld) -> None:
    other = Site(ORG, "Other", "UTC", NOW, NOW, grid_capacity_w=50_000, id=SITE + 1)
    fake_loads.add_site(world.uow.store, other)
    for station in ("METER-1", "NOWHERE"):
        with pytest.raises(InvalidInput) as refused:
            await world.loads.configure(
                OWNER, SITE + 1, LoadSettings(meter_station=station), 50_000
            )
        assert refused.value.field == "meter_station"


async def test_a_silent_meter_raises_one_alert_and_the_next_reading_clears_it(
    world: MeterWorld,
) -> None:
    assert await world.meters.watch() == 0  # never heard: nothing went silent
    await world.report("METER-1", 0, {"Power.Active.Import": 60e3})
    world.clock.advance(seconds=300)
    assert await world.meters.watch() == 0  # fresh for 300 s
    world.clock.advance(seconds=1)
    assert await world.meters.watch() == 1
    assert await world.meters.watch() == 0  # once per silence
    world.clock.advance(hours=1)
    assert await world.meters.watch() == 0
    [silent] = world.bus.of(SiteMeterSilent)
    assert (silent.site_id, silent.last_reading_at, silent.fallback_load_w) == (SITE, NOW, 40_000)
    view = await world.loads.view(OWNER, SITE)
    assert view.load.meter_silent_since is not None
    assert (view.load_w, view.measured) == (40_000, False)

    await world.report("METER-1", 0, {"Power.Active.Import": 55e3})
    [back] = world.bus.of(SiteMeterBack)
    assert (back.site_id, back.load_w, back.source) == (SITE, 55_000, "ocpp")
    assert await world.meters.watch() == 0
    view = await world.loads.view(OWNER, SITE)
    assert view.load.meter_silent_since is None
    kinds = [d.kind for d in view.decisions if d.kind in (DecisionKind.SILENT, DecisionKind.BACK)]
    assert kinds == [DecisionKind.BACK, DecisionKind.SILENT]

    # A second silence is a second alert.
    world.clock.advance(seconds=301)
    assert await world.meters.watch() == 1
    assert len(world.bus.of(SiteMeterSilent)) == 2


async def test_the_job_applies_a_cap_when_its_window_opens_and_closes(world: MeterWorld) -> None:
    """Nothing else starts a pass when a time-of-use window opens: the job does, once."""
    peak = LoadCap((Weekday.MONDAY,), time(12, 30), time(13), 40_000)  # NOW is a Monday noon
    fresh_all_day = LoadSettings(reserve_pct=0, reading_max_age_s=86_400, caps=(peak,))
    await world.loads.configure(OWNER, SITE, fresh_all_day, 100_000)
    await world.loads.report(OWNER, SITE, 30_000)
    world.charge(1)
    await world.loads.rebalance(SITE)
    assert await world.sent() == [(1, 32.0)]
    assert await world.meters.watch() == 1  # first look: a pass, which changes nothing
    world.clock.advance(minutes=30)
    assert await world.meters.watch() == 1
    assert await world.sent() == [(1, 32.0), (1, 14.4)]  # 10 kW left under the cap
    assert (await world.loads.view(OWNER, SITE)).cap_w == 40_000
    world.clock.advance(minutes=1)
    assert await world.meters.watch() == 0  # the same cap: no pass
    world.clock.advance(minutes=29)
    assert await world.meters.watch() == 1
    assert await world.sent() == [(1, 32.0), (1, 14.4), (1, 32.0)]
