"""A site's electrical tree: what a tree may be (cycles, unknown parents, other sites' stations
and limits below zero refused naming the field; a child's limit above its parent's allowed
with a note), and the allocator over it: no node's limit exceeded on any phase, each session 0
or at least its minimum, nobody at 0 when there is room, the queue kept per circuit, and with
no tree exactly what ``allocate`` gives."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.electrical_tree import (
    Circuit,
    CircuitKind,
    ElectricalTree,
    Note,
    check_tree,
)
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_allocation import Allocation, Session, allocate
from kilowatt.domain.loads import Reason, StartRule, Strategy
from kilowatt.domain.tree_allocation import (
    Network,
    allocate_in_tree,
    changes_in_tree,
    network,
)
from tests.unit.domain.test_loads import V, budgets, session, sessions

strategies = st.sampled_from(list(Strategy))


def tree_of(*circuits: Circuit, grid_a: float | None = None) -> ElectricalTree:
    return ElectricalTree(max_current_a=grid_a, circuits=circuits)


# What a tree may be --------------------------------------------------------------------------


def test_a_well_formed_tree_passes_and_a_child_above_its_parent_is_noted() -> None:
    tree = ElectricalTree(
        max_current_a=250.0,
        circuits=(
            Circuit(key="P1", name="Panel A", kind=CircuitKind.PANEL, max_current_a=63.0),
            Circuit(key="C1", name="Bay 1", parent="P1", max_current_a=80.0),
            Circuit(key="C2", name="Bay 2", parent="P1", max_current_a=16.0, max_power_w=11_000),
        ),
        stations={"CP-1": "C1", "CP-2": "C2"},
    )
    assert check_tree(tree, {"CP-1", "CP-2", "CP-3"}) == [
        Note("circuits.1.max_current_a", "above its parent's 63 A: the parent's limit applies")
    ]
    assert [c.key for c in tree.path("C2")] == ["C2", "P1"]
    assert tree.below("P1") == ["CP-1", "CP-2"]


@pytest.mark.parametrize(
    ("tree", "field", "words"),
    [
        (tree_of(Circuit(key="A", name="A", parent="B")), "circuits.0.parent", "no circuit"),
        (
            tree_of(
                Circuit(key="A", name="A", parent="C"),
                Circuit(key="B", name="B", parent="A"),
                Circuit(key="C", name="C", parent="B"),
            ),
            "circuits.0.parent",
            "cycle: A → C → B → A",
        ),
        (tree_of(Circuit(key="A", name="A", parent="A")), "circuits.0.parent", "cycle"),
        (tree_of(Circuit(key="A", name="A", max_current_a=-1.0)), "circuits.0.max_current_a", ""),
        (tree_of(Circuit(key="A", name="A", max_current_a=0.0)), "circuits.0.max_current_a", ""),
        (tree_of(Circuit(key="A", name="A", max_power_w=-5)), "circuits.0.max_power_w", ""),
        (tree_of(grid_a=-16.0), "max_current_a", ""),
        (tree_of(Circuit(key="A", name="A"), Circuit(key="A", name="B")), "circuits.1.key", ""),
        (tree_of(Circuit(key=" ", name="A")), "circuits.0.key", ""),
        (tree_of(Circuit(key="A", name="")), "circuits.0.name", ""),
    ],
)
def test_a_tree_that_cannot_be_is_refused_naming_the_field(
    tree: ElectricalTree, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_tree(tree, set())
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_station_of_another_site_or_on_an_unknown_circuit_is_refused() -> None:
    circuits = (Circuit(key="C1", name="Bay"),)
    with pytest.raises(InvalidInput) as refused:
        check_tree(ElectricalTree(circuits=circuits, stations={"CP-9": "C1"}), {"CP-1"})
    assert refused.value.field == "stations.CP-9"
    with pytest.raises(InvalidInput) as refused:
        check_tree(ElectricalTree(circuits=circuits, stations={"CP-1": "C7"}), {"CP-1"})
    assert refused.value.field == "stations.CP-1"


# The allocator over the tree ---------------------------------------------------------------


def test_two_cars_on_a_16_a_circuit_share_16_a_under_a_big_transformer() -> None:
    tree = tree_of(Circuit(key="C", name="Garage", max_current_a=16.0))
    cars = [session(1, max_a=32.0), session(2, max_a=32.0), session(3, max_a=32.0)]
    placement = {1: "C", 2: "C"}
    net = network(tree, 1_000_000, cars, placement, V)
    given_ = allocate_in_tree(net, cars)
    assert (given_[1].limit_a, given_[2].limit_a, given_[3].limit_a) == (8.0, 8.0, 32.0)


def test_a_full_circuit_pauses_its_latecomer_but_not_another_circuit_s() -> None:
    tree = tree_of(
        Circuit(key="A", name="A", max_current_a=10.0),
        Circuit(key="B", name="B", max_current_a=10.0),
    )
    cars = [session(1), session(2), session(3)]
    net = network(tree, 1_000_000, cars, {1: "A", 2: "A", 3: "B"}, V)
    given_ = allocate_in_tree(net, cars)
    assert given_[2] == Allocation(2, 0.0, Reason.NO_ROOM, 3)
    assert (given_[1].limit_a, given_[3].limit_a) == (10.0, 10.0)


def test_single_phase_cars_load_only_l1_so_three_phase_room_is_kept_on_the_others() -> None:
    tree = tree_of(Circuit(key="C", name="C", max_current_a=20.0))
    cars = [session(1, phases=1, max_a=32.0), session(2, phases=3, max_a=32.0)]
    net = network(tree, 1_000_000, cars, {1: "C", 2: "C"}, V)
    given_ = allocate_in_tree(net, cars)
    assert given_[1].limit_a + given_[2].limit_a <= 20.0
    assert given_[1].limit_a == given_[2].limit_a == 10.0


def test_a_limit_in_watts_counts_every_phase() -> None:
    tree = tree_of(Circuit(key="C", name="C", max_power_w=11_040))  # 16 A x 3 x 230 V
    cars = [session(1, max_a=32.0), session(2, max_a=32.0)]
    given_ = allocate_in_tree(network(tree, 10**6, cars, {1: "C", 2: "C"}, V), cars)
    assert given_[1].limit_a == given_[2].limit_a == 8.0


def test_the_grid_connection_s_ampere_limit_holds_per_phase() -> None:
    cars = [session(i, phases=1, max_a=32.0) for i in range(1, 5)]
    net = network(ElectricalTree(), 10**6, cars, {}, V, grid_current_a=40.0)
    given_ = allocate_in_tree(net, cars)
    assert sum(a.limit_a for a in given_.values()) <= 40.0
    assert [a.limit_a for a in given_.values()] == [10.0] * 4


@st.composite
def trees(draw: st.DrawFn) -> ElectricalTree:
    count = draw(st.integers(0, 6))
    circuits: list[Circuit] = []
    for i in range(count):
        parent = draw(st.sampled_from([None, *(c.key for c in circuits)]))
        circuits.append(
            Circuit(
                key=f"N{i}",
                name=f"Node {i}",
                parent=parent,
                max_current_a=draw(st.none() | st.sampled_from([6.0, 10.0, 16.0, 25.0, 63.0])),
                max_power_w=draw(st.none() | st.integers(1_000, 50_000)),
            )
        )
    grid = draw(st.none() | st.sampled_from([16.0, 40.0, 100.0]))
    return ElectricalTree(max_current_a=grid, circuits=tuple(circuits))


@st.composite
def placed(draw: st.DrawFn) -> tuple[ElectricalTree, list[Session], dict[int, str | None]]:
    tree = draw(trees())
    made = draw(sessions())
    keys: list[str | None] = [None, *(c.key for c in tree.circuits)]
    placement = {s.key: draw(st.sampled_from(keys)) for s in made}
    return tree, made, placement


def over(net: Network, limits: Mapping[int, float | None]) -> list[str]:
    used = net.used(limits)
    return [c.name for c, u in zip(net.constraints, used, strict=True) if u > c.capacity]


@settings(max_examples=300)
@given(budgets, placed(), strategies)
def test_no_node_s_limit_is_ever_exceeded_on_any_phase(
    budget: int, world: tuple[ElectricalTree, list[Session], dict[int, str | None]], how: Strategy
) -> None:
    tree, made, placement = world
    net = network(tree, budget, made, placement, V, tree.max_current_a)
    given_ = allocate_in_tree(net, made, how)
    assert over(net, {k: a.limit_a for k, a in given_.items()}) == []
    # Checked again by hand, per node and phase, not through the network's own sums.
    for circuit in tree.circuits:
        below = [s for s in made if circuit.key in {c.key for c in tree.path(placement[s.key])}]
        for phase in (1, 2, 3):
            amps = sum(given_[s.key].limit_a for s in below if s.phases >= phase)
            assert circuit.max_current_a is None or amps <= circuit.max_current_a + 1e-9
        watts = sum(given_[s.key].limit_a * s.phases * V for s in below)
        assert circuit.max_power_w is None or watts <= circuit.max_power_w + 1e-6
    assert sum(a.limit_a * a.phases * V for a in given_.values()) <= budget + 1e-6


@settings(max_examples=200)
@given(budgets, placed(), strategies)
def test_every_session_gets_zero_or_at_least_its_minimum(
    budget: int, world: tuple[ElectricalTree, list[Session], dict[int, str | None]], how: Strategy
) -> None:
    tree, made, placement = world
    given_ = allocate_in_tree(network(tree, budget, made, placement, V, tree.max_current_a), made)
    for s in made:
        limit = given_[s.key].limit_a
        assert limit == 0 or s.min_a - 1e-9 <= limit <= max(s.min_a, s.demand_a) + 1e-9
        assert (limit == 0) == (given_[s.key].reason in {Reason.NO_ROOM, Reason.HELD})


@given(placed(), strategies)
def test_with_enough_capacity_nobody_is_left_at_zero_and_everyone_has_its_demand(
    world: tuple[ElectricalTree, list[Session], dict[int, str | None]], how: Strategy
) -> None:
    tree, made, placement = world
    roomy = ElectricalTree(
        max_current_a=None if tree.max_current_a is None else 10_000.0,
        circuits=tuple(
            Circuit(
                key=c.key,
                name=c.name,
                parent=c.parent,
                max_current_a=None if c.max_current_a is None else 64.0 * 8,
                max_power_w=None if c.max_power_w is None else 64 * 3 * V * 8,
            )
            for c in tree.circuits
        ),
    )
    net = network(roomy, 10**7, made, placement, V, roomy.max_current_a)
    given_ = allocate_in_tree(net, made, how)
    for s in made:
        if s.rule is StartRule.HELD:
            assert given_[s.key].limit_a == 0
        else:
            assert given_[s.key].limit_a >= int(s.demand_a * 10 + 1e-9) / 10 > 0


@settings(max_examples=100)
@given(budgets, placed(), strategies)
def test_nobody_overtakes_the_queue_of_a_node_it_shares(
    budget: int, world: tuple[ElectricalTree, list[Session], dict[int, str | None]], how: Strategy
) -> None:
    tree, made, placement = world
    net = network(tree, budget, made, placement, V, tree.max_current_a)
    given_ = allocate_in_tree(net, made, how)
    from kilowatt.domain.load_allocation import queue_order

    order = [s for s in queue_order(made, how) if s.rule is not StartRule.HELD]
    for i, early in enumerate(order):
        if given_[early.key].reason is not Reason.NO_ROOM:
            continue
        # Whoever comes later and loads only constraints of its own may run; a later one that
        # shares with it every constraint it loads (same circuit, same phases) waits too.
        for late in order[i + 1 :]:
            if net.loads[late.key] == net.loads[early.key]:
                assert given_[late.key].limit_a == 0


@given(budgets, sessions(), strategies)
def test_without_a_tree_it_is_exactly_allocate(
    budget: int, made: list[Session], how: Strategy
) -> None:
    net = network(ElectricalTree(), budget, made, {}, V)
    assert allocate_in_tree(net, made, how) == allocate(budget, made, V, how)


@settings(max_examples=150)
@given(budgets, placed())
def test_what_is_in_force_after_sending_fits_every_node(
    budget: int, world: tuple[ElectricalTree, list[Session], dict[int, str | None]]
) -> None:
    tree, made, placement = world
    net = network(tree, budget, made, placement, V, tree.max_current_a)
    target = allocate_in_tree(net, made)
    current = {s.key: s.limit_a for s in made}
    send = changes_in_tree(current, target, net)
    assert over(net, {s.key: send.get(s.key, s.limit_a) for s in made}) == []
    for key, limit in send.items():
        assert limit == target[key].limit_a


def test_a_small_decrease_is_sent_only_when_the_circuit_needs_it() -> None:
    made = [session(1, limit_a=10.0), session(2, limit_a=10.0)]
    target = {1: Allocation(1, 9.5, Reason.SHARED, 3), 2: Allocation(2, 9.5, Reason.SHARED, 3)}
    for limit, sent in [(20.0, {}), (19.5, {2: 9.5}), (19.0, {1: 9.5, 2: 9.5})]:
        tree = tree_of(Circuit(key="C", name="C", max_current_a=limit))
        net = network(tree, 10**6, made, {1: "C", 2: "C"}, V)
        assert changes_in_tree({1: 10.0, 2: 10.0}, target, net) == sent
