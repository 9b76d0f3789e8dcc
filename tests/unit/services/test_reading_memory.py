"""The meter-value writer's memory of the newest reading it stored (services/metering.py
``ReadingMemory``): it may only ever call a reading new that is not stored yet, whatever the
order, the replays, the reconnects and the other writers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.metering import MeterRecord, SampledValue, reading_key
from kilowatt.domain.stations import RegistrationStatus, StationRef
from kilowatt.services.metering import MeteringService, MeterReport, ReadingMemory
from tests.support.fakes import FakeUnitOfWorkFactory, FrozenClock, RecordingBus

T0 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
ENERGY = "Energy.Active.Import.Register"


def sample(second: int, measurand: str = ENERGY) -> SampledValue:
    return SampledValue(
        timestamp=T0 + timedelta(seconds=second), measurand=measurand, value=1.0, unit="Wh"
    )


def record(
    station: int, second: int, tx: int | None = None, connector: int = 1, measurand: str = ENERGY
) -> MeterRecord:
    return MeterRecord(station, 1, connector, tx, sample(second, measurand))


def test_an_unknown_station_is_never_fresh() -> None:
    memory = ReadingMemory()
    assert memory.unknown({1, 2}) == {1, 2}
    assert not memory.fresh([record(1, 10)])


def test_a_station_with_no_reading_is_fresh_until_a_time_repeats() -> None:
    memory = ReadingMemory()
    memory.seed({1: None})
    first = [record(1, 10, tx=5), record(1, 10, tx=5, measurand="Voltage")]
    assert memory.fresh(first)
    memory.stored(first)
    assert not memory.fresh([record(1, 10, tx=5, measurand="SoC")])  # the same instant
    assert memory.fresh([record(1, 11, tx=5)])
    # Another scope of the same station keeps its own newest reading.
    assert memory.fresh([record(1, 10, connector=2)])


def test_the_seed_is_a_floor_for_every_scope() -> None:
    memory = ReadingMemory()
    memory.seed({1: T0 + timedelta(seconds=30)})
    assert not memory.fresh([record(1, 30, tx=9)])
    assert not memory.fresh([record(1, 5, connector=2)])
    assert memory.fresh([record(1, 31, tx=9)])
    memory.seed({1: None})  # a seed never replaces what is known
    assert not memory.fresh([record(1, 30, tx=9)])


def test_forgetting_makes_a_station_unknown_again() -> None:
    memory = ReadingMemory()
    memory.seed({1: None, 2: None})
    memory.forget(1)
    assert memory.unknown({1, 2}) == {1}
    assert not memory.fresh([record(1, 99)])
    memory.stored([record(1, 99)])  # not known: nothing is remembered
    assert memory.unknown({1}) == {1}


# One station's readings, as a writer meets them: new ones, replays of stored ones, readings
# that come in by another path (a stop, a 2.0.1 event), and reconnects.
reading = st.tuples(
    st.integers(0, 30), st.sampled_from([None, 7]), st.sampled_from([ENERGY, "Voltage"])
)
step = st.one_of(
    st.tuples(st.just("report"), st.lists(reading, min_size=1, max_size=4)),
    st.tuples(st.just("other path"), st.lists(reading, min_size=1, max_size=3)),
    st.tuples(st.just("reconnect"), st.just([])),
)


@given(st.lists(step, max_size=40))
def test_a_reading_called_fresh_is_never_already_stored(steps: list[tuple[str, list]]) -> None:  # type: ignore[type-arg]
    """The writer's protocol (MeteringService._write): seed an unknown station from the newest
    stored reading, write without a replay check only when ``fresh`` says so, then note what
    was stored. Other paths make it forget, and so does a reconnect."""
    memory = ReadingMemory()
    stored: dict[tuple[object, ...], MeterRecord] = {}
    for kind, readings in steps:
        records = [record(1, s, tx=tx, measurand=m) for s, tx, m in readings]
        if kind == "reconnect":
            memory.forget(1)
        elif kind == "other path":
            memory.forget(1)
            stored.update((reading_key(r), r) for r in records)
        else:
            if memory.unknown({1}):
                times = [r.sample.timestamp for r in stored.values()]
                memory.seed({1: max(times) if times else None})
            if memory.fresh(records):
                assert not any(reading_key(r) in stored for r in records)
            stored.update((reading_key(r), r) for r in records)
            memory.stored(records)


def ref(station_id: int) -> StationRef:
    return StationRef(
        id=station_id,
        organization_id=1,
        ocpp_id=f"CP-{station_id}",
        registration_status=RegistrationStatus.ACCEPTED,
    )


async def test_a_reading_stored_by_another_node_is_not_stored_again_after_a_forget() -> None:
    """Two nodes on one database: the station moved to node B and back to node A, whose
    memory is stale until the station's connect makes it forget (services/provisioning.py)."""
    uow = FakeUnitOfWorkFactory()
    clock, bus = FrozenClock(T0), RecordingBus()
    node_a = MeteringService(uow, clock, bus)
    node_b = MeteringService(uow, clock, bus)
    try:
        await node_a.record(MeterReport(ref(1), 1, 1, None, [sample(10)]))
        await node_b.record(MeterReport(ref(1), 1, 1, None, [sample(20)]))
        node_a.readings.forget(1)  # what connecting to node A again does
        await node_a.record(MeterReport(ref(1), 1, 1, None, [sample(20)]))  # a replay
        await node_a.record(MeterReport(ref(1), 1, 1, None, [sample(30)]))
    finally:
        await node_a.close()
        await node_b.close()
    times = sorted(r.sample.timestamp for r in uow.store.meter_values)
    assert times == [T0 + timedelta(seconds=s) for s in (10, 20, 30)]
