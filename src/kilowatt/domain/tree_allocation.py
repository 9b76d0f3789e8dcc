"""The allocator over a site's electrical tree: every node's limit holds, per phase.

The same queue, admission and water filling as ``load_allocation.allocate`` (ADR 0008), with
more than one budget: each node of the tree (the grid connection, each panel, each circuit) is
a set of *constraints*, each a capacity in tenths of an ampere and the sessions that load it:
one per phase for a limit in amperes per phase (a session loads the phases it charges on, from
L1), one over the phases together for a limit in watts (and for the site's budget). A session's
minimum is admitted when it fits in every constraint it loads; the first that does not fit
closes the constraints it did not fit in, and nobody behind it that loads one of them is
admitted (nobody overtakes, but a full circuit does not stop another circuit's queue). What is
left is raised equally for the open sessions until each reaches its demand or a constraint it
loads is full (which then stays full for the later tiers of the strategy). With no tree this is
exactly ``allocate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kilowatt.domain.electrical_tree import PHASES, ElectricalTree
from kilowatt.domain.load_allocation import (
    TENTHS,
    Allocation,
    Session,
    _tenths,
    _tiers,
    meaningful,
    queue_order,
)
from kilowatt.domain.loads import Reason, StartRule, Strategy


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str
    """The node's key ("" for the grid connection) and what: ``L1``..``L3`` or ``W``."""
    capacity: int
    """Tenths of an ampere (per phase, or times phases for a limit in watts)."""


@dataclass(frozen=True, slots=True)
class Network:
    """The constraints and, for each session, those it loads and by how much a tenth of an
    ampere per phase of its counts in each (1 per phase, its phases for one in watts)."""

    constraints: tuple[Constraint, ...]
    loads: Mapping[int, tuple[tuple[int, int], ...]]

    def used(self, limits: Mapping[int, float | None]) -> list[int]:
        used = [0] * len(self.constraints)
        for key, limit in limits.items():
            for index, coeff in self.loads.get(key, ()):
                used[index] += _tenths(limit or 0.0) * coeff
        return used


def network(
    tree: ElectricalTree,
    budget_w: int,
    sessions: Iterable[Session],
    placement: Mapping[int, str | None],
    voltage: int,
    grid_current_a: float | None = None,
) -> Network:
    """The constraints of ``tree`` for ``sessions`` (``placement``: each session's circuit
    key, None or missing: under the grid connection). ``budget_w``: what the sessions may
    draw together at the grid connection; ``grid_current_a``: what they may draw per phase
    there (None: no limit per phase)."""
    constraints: list[Constraint] = [Constraint("W", max(0, budget_w) * TENTHS // voltage)]
    if grid_current_a is not None:
        for phase in range(PHASES):
            constraints.append(Constraint(f"L{phase + 1}", _tenths(max(0.0, grid_current_a))))
    grid = {"W": 0} | {f"L{p + 1}": p + 1 for p in range(PHASES) if grid_current_a is not None}
    nodes: dict[str, dict[str, int]] = {}
    for circuit in tree.circuits:
        own: dict[str, int] = {}
        if circuit.max_current_a is not None:
            for phase in range(PHASES):
                own[f"L{phase + 1}"] = len(constraints)
                constraints.append(
                    Constraint(f"{circuit.key} L{phase + 1}", _tenths(circuit.max_current_a))
                )
        if circuit.max_power_w is not None:
            own["W"] = len(constraints)
            constraints.append(
                Constraint(f"{circuit.key} W", circuit.max_power_w * TENTHS // voltage)
            )
        nodes[circuit.key] = own
    paths = {c.key: [nodes[p.key] for p in tree.path(c.key)] for c in tree.circuits}
    loads: dict[int, tuple[tuple[int, int], ...]] = {}
    for session in sessions:
        phases = max(1, min(PHASES, session.phases))
        refs: list[tuple[int, int]] = []
        on = placement.get(session.key)
        chains = [grid, *(paths.get(on, []) if on is not None else [])]
        for own in chains:
            for what, index in own.items():
                if what == "W":
                    refs.append((index, session.phases))
                elif int(what[1:]) <= phases:
                    refs.append((index, 1))
        loads[session.key] = tuple(refs)
    return Network(tuple(constraints), loads)


def allocate_in_tree(
    net: Network,
    sessions: Iterable[Session],
    strategy: Strategy = Strategy.EQUAL_SHARE,
) -> dict[int, Allocation]:
    """Each session's limit within every constraint of ``net`` (see the module's text)."""
    capacity = [c.capacity for c in net.constraints]
    used = [0] * len(capacity)
    closed: set[int] = set()
    result: dict[int, Allocation] = {}
    admitted: list[Session] = []
    for session in queue_order(sessions, strategy):
        if session.rule is StartRule.HELD:
            result[session.key] = Allocation(session.key, 0.0, Reason.HELD, session.phases)
            continue
        refs = net.loads[session.key]
        minimum = _tenths(session.min_a)
        short = {i for i, coeff in refs if used[i] + minimum * coeff > capacity[i]}
        if short or any(i in closed for i, _ in refs):
            closed |= short  # strictly in turn on what it loads: nobody overtakes it there
            result[session.key] = Allocation(session.key, 0.0, Reason.NO_ROOM, session.phases)
            continue
        for i, coeff in refs:
            used[i] += minimum * coeff
        admitted.append(session)
    given = {s.key: _tenths(s.min_a) for s in admitted}
    full: set[int] = set()
    for tier in _tiers(admitted, strategy):
        _fill(tier, net, given, used, capacity, full)
    for s in admitted:
        result[s.key] = _allocation(s, given[s.key])
    return result


def _allocation(s: Session, limit: int) -> Allocation:
    if s.car_limited and limit >= _tenths(s.demand_a):
        reason = Reason.CAR_DRAWS_LESS
    elif limit >= _tenths(s.ceiling_a):
        reason = Reason.HALF_POWER if s.rule is StartRule.HALF else Reason.AT_MAX
    else:
        reason = Reason.SHARED
    return Allocation(s.key, limit / TENTHS, reason, s.phases)


def _fill(
    tier: list[Session],
    net: Network,
    given: dict[int, int],
    used: list[int],
    capacity: list[int],
    full: set[int],
) -> None:
    """Water filling over the constraints: raise every open session of ``tier`` by the same
    amount until each has its demand or loads a constraint that is full."""
    open_ = list(tier)
    while True:
        open_ = [
            s
            for s in open_
            if given[s.key] < _tenths(s.demand_a)
            and not any(i in full for i, _ in net.loads[s.key])
        ]
        if not open_:
            return
        weight: dict[int, int] = {}
        for s in open_:
            for i, coeff in net.loads[s.key]:
                weight[i] = weight.get(i, 0) + coeff
        saturated = {i for i, w in weight.items() if capacity[i] - used[i] < w}
        if saturated:
            full |= saturated
            continue
        step = min(_tenths(s.demand_a) - given[s.key] for s in open_)
        step = min([step, *((capacity[i] - used[i]) // w for i, w in weight.items())])
        for s in open_:
            given[s.key] += step
            for i, coeff in net.loads[s.key]:
                used[i] += step * coeff


def changes_in_tree(
    current: Mapping[int, float | None],
    target: Mapping[int, Allocation],
    net: Network,
) -> dict[int, float]:
    """The limits to send: the meaningful changes, and as many small decreases as it takes
    (largest first) for the limits in force afterwards to fit every constraint of ``net``
    (``net`` built with the budget, not the share: ``changes`` in load_allocation.py)."""
    send = {key: a.limit_a for key, a in target.items() if meaningful(current.get(key), a.limit_a)}
    smaller = sorted(
        (
            ((current.get(k) or 0.0) - a.limit_a, k)
            for k, a in target.items()
            if k not in send and (current.get(k) or 0.0) > a.limit_a
        ),
        reverse=True,
    )
    used = net.used({k: send.get(k, current.get(k)) for k in target})
    for index, constraint in enumerate(net.constraints):
        for _, key in smaller:
            if used[index] <= constraint.capacity:
                break
            if key in send or all(i != index for i, _ in net.loads[key]):
                continue
            send[key] = target[key].limit_a
            step = _tenths(send[key]) - _tenths(current.get(key) or 0.0)
            for i, coeff in net.loads[key]:
                used[i] += step * coeff
    return send
