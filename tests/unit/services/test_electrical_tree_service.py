"""The electrical tree in load management's pass, against the fakes: a site's tree limits the
sessions on a circuit, the grid connection's limit per phase is less the base load and the
reserve, a changed tree makes a pass at once, and each circuit shows the limits below it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from kilowatt.domain.electrical_tree import Circuit, ElectricalTree
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_allocation import Session
from kilowatt.domain.loads import LoadSettings
from kilowatt.services.electrical_tree import ElectricalTreeService, circuit_loads, plan
from kilowatt.services.ports import ChargingSession
from tests.unit.services.test_loads_service import OWNER, SITE, World

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def charging(key: int, station: str) -> ChargingSession:
    return ChargingSession(
        transaction_id=key, organization_id=1, station=station, protocol_version="1.6",
        online=True, evse_id=1, ocpp_transaction_id=None, start_time=NOW,
        number_of_phases=3, max_power_w=None, current_type="AC",
    )  # fmt: skip


@pytest.fixture
async def world() -> AsyncIterator[World]:
    made = World()
    await made.loads.configure(OWNER, SITE, LoadSettings(reserve_pct=0), 100_000)
    yield made
    await made.loads.close()
    await made.commands.close()


async def test_a_changed_tree_limits_the_circuit_s_sessions_at_once(world: World) -> None:
    trees = ElectricalTreeService(world.uow, world.clock, world.bus)
    trees.changed = world.loads.kick
    await world.loads.report(OWNER, SITE, 0)
    world.charge(1)
    world.charge(2, minutes=1)
    await world.loads.rebalance(SITE)
    assert sorted(await world.sent()) == [(1, 32.0), (2, 32.0)]

    garage = ElectricalTree(
        circuits=(Circuit(key="C1", name="Garage", max_current_a=20.0),),
        stations={"CP-1": "C1"},
    )
    with pytest.raises(InvalidInput) as refused:
        await trees.replace(OWNER, SITE, ElectricalTree(circuits=garage.circuits,
                                                        stations={"CP-9": "C1"}))  # fmt: skip
    assert refused.value.field == "stations.CP-9"
    _, notes = await trees.replace(OWNER, SITE, garage)
    assert notes == []
    await world.loads.passes._passes[SITE]  # the pass the change kicked
    assert sorted((await world.sent())[2:]) == [(1, 10.0), (2, 10.0)]
    view = await trees.view(OWNER, SITE)
    assert [(n.circuit.key, n.sessions, n.limits_a) for n in view.circuits] == [
        ("C1", 2, (20.0, 20.0, 20.0))
    ]


def test_the_grid_s_limit_per_phase_is_less_the_base_load_and_the_reserve() -> None:
    settings = LoadSettings(reserve_pct=2)
    tree = ElectricalTree(max_current_a=100.0)
    cars = [charging(1, "A"), charging(2, "B")]
    demands = [Session(key=s.transaction_id, arrival=NOW, max_a=63.0) for s in cars]
    # 100 A per phase less 23 kW of base load (33.3 A per phase) less 2 % of 200 kW (5.8 A).
    target, send = plan(
        tree, cars, demands, {}, capacity_w=200_000, base_w=23_000, budget_w=177_000,
        share_w=173_000, settings=settings,
    )  # fmt: skip
    assert [target[1].limit_a, target[2].limit_a] == [30.4, 30.4]
    assert send == {1: 30.4, 2: 30.4}
    # Without a tree the site's budget alone: both at their 63 A.
    target, _ = plan(
        ElectricalTree(), cars, demands, {}, capacity_w=200_000, base_w=23_000,
        budget_w=177_000, share_w=173_000, settings=settings,
    )  # fmt: skip
    assert [target[1].limit_a, target[2].limit_a] == [63.0, 63.0]


def test_each_circuit_shows_the_limits_below_it_per_phase() -> None:
    tree = ElectricalTree(
        circuits=(
            Circuit(key="P", name="Panel"),
            Circuit(key="A", name="A", parent="P"),
            Circuit(key="B", name="B", parent="P"),
        ),
        stations={"S1": "A", "S2": "B"},
    )
    shown = circuit_loads(tree, {1: "S1", 2: "S2", 3: "S3"}, {1: (10.0, 1), 2: (8.0, 3),
                                                              3: (32.0, 3)}, 230)  # fmt: skip
    assert [(n.circuit.key, n.depth, n.sessions, n.limits_a, n.limits_w) for n in shown] == [
        ("P", 0, 2, (18.0, 8.0, 8.0), 2300 + 5520),
        ("A", 1, 1, (10.0, 0.0, 0.0), 2300),
        ("B", 1, 1, (8.0, 8.0, 8.0), 5520),
    ]
    assert shown[0].peak_a == 18.0
