"""A site's electrical tree: read and replaced as a whole (the API, the dashboard, an import),
and given to load management's pass (services/loads.py), which shares the power so that no
panel's or circuit's limit is exceeded (domain/tree_allocation.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kilowatt.domain.circuit_imports import SHEET, CircuitImportRefused, read_tree
from kilowatt.domain.electrical_tree import PHASES, Circuit, ElectricalTree, Note, check_tree
from kilowatt.domain.errors import NotFound
from kilowatt.domain.import_sheets import Problem
from kilowatt.domain.load_allocation import Allocation, Session, allocate, changes
from kilowatt.domain.loads import DEFAULT_VOLTAGE, LoadSettings
from kilowatt.domain.sites import Site
from kilowatt.domain.token_imports import CardImportRefused
from kilowatt.domain.tree_allocation import allocate_in_tree, changes_in_tree, network
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import (
    ChargingSession,
    Clock,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.token_imports import table_of


@dataclass(frozen=True, slots=True)
class CircuitLoad:
    """A panel's or circuit's limit against the limits of the sessions below it."""

    circuit: Circuit
    depth: int
    sessions: int
    limits_a: tuple[float, float, float]
    """The sum of the limits in force below it on L1, L2, L3."""
    limits_w: int

    @property
    def peak_a(self) -> float:
        return max(self.limits_a)


@dataclass(frozen=True, slots=True)
class TreeView:
    site: Site
    tree: ElectricalTree
    stations: list[str]
    """The site's stations (OCPP identities), to assign."""
    circuits: list[CircuitLoad]
    """Each node, depth first, with the limits in force below it."""
    notes: list[Note]


class ElectricalTreeService(Service):
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self.changed: Callable[[int], None] = _nobody
        """Told a site's tree changed (the container makes it load management's ``kick``)."""

    async def view(self, principal: Principal, site_id: int) -> TreeView:
        async with self.uow(readonly=True) as uow:
            site = await _site(uow, principal, site_id)
            tree = await uow.electrical_tree.get(site_id)
            stations = await uow.electrical_tree.stations(site_id)
            load = await uow.loads.get(site_id)
            sessions = await uow.loads.sessions(site_id)
            held = await uow.loads.session_loads(site_id)
        voltage = load.settings.voltage if load is not None else DEFAULT_VOLTAGE
        limits = {
            s.transaction_id: (
                record.limit_a or 0.0,
                record.phases or s.number_of_phases or PHASES,
            )
            for s in sessions
            if (record := held.get(s.transaction_id)) is not None
        }
        on = {s.transaction_id: s.station for s in sessions}
        return TreeView(
            site,
            tree,
            sorted(stations),
            circuit_loads(tree, on, limits, voltage),
            check_tree(tree, stations),
        )

    async def import_tree(
        self, principal: Principal, site_id: int, content: bytes, filename: str
    ) -> tuple[ElectricalTree, list[Note]]:
        """Replace the site's panels, circuits and station assignments with a CSV or Excel
        file's (domain/circuit_imports.py); CircuitImportRefused naming each problem."""
        try:
            rows = table_of(content, filename)
        except CardImportRefused as refused:
            raise CircuitImportRefused(
                [Problem(SHEET, None, p.message) for p in refused.problems]
            ) from None
        async with self.uow(readonly=True) as uow:
            await _site(uow, principal, site_id)
            stations = await uow.electrical_tree.stations(site_id)
            grid = (await uow.electrical_tree.get(site_id)).max_current_a
        return await self.replace(principal, site_id, read_tree(rows, stations, grid))

    async def replace(
        self, principal: Principal, site_id: int, tree: ElectricalTree
    ) -> tuple[ElectricalTree, list[Note]]:
        """Make ``tree`` the site's (InvalidInput naming the field when it cannot be); the
        notes on what is allowed but unusual."""
        now = self.clock.now()
        async with self.uow() as uow:
            await _site(uow, principal, site_id)
            notes = check_tree(tree, await uow.electrical_tree.stations(site_id))
            await uow.electrical_tree.replace(site_id, tree, now)
            await record(
                uow,
                principal,
                "site.electrical_tree",
                "site",
                site_id,
                {
                    "max_current_a": tree.max_current_a,
                    "circuits": [_circuit_fields(c) for c in tree.circuits],
                    "stations": dict(tree.stations),
                },
                at=now,
            )
            await uow.commit()
        self.changed(site_id)
        return tree, notes


def _nobody(site_id: int) -> None:
    return None


async def _site(uow: UnitOfWork, principal: Principal, site_id: int) -> Site:
    site = await uow.sites.get(principal.scope, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


def _circuit_fields(circuit: Circuit) -> dict[str, object]:
    return {
        "key": circuit.key,
        "name": circuit.name,
        "kind": circuit.kind.value,
        "parent": circuit.parent,
        "max_current_a": circuit.max_current_a,
        "max_power_w": circuit.max_power_w,
    }


# Load management's pass ------------------------------------------------------------------


def plan(
    tree: ElectricalTree,
    sessions: Sequence[ChargingSession],
    demands: Sequence[Session],
    current: Mapping[int, float | None],
    *,
    capacity_w: int,
    base_w: int,
    budget_w: int,
    share_w: int,
    settings: LoadSettings,
) -> tuple[dict[int, Allocation], dict[int, float]]:
    """Each session's limit and those to send: within the site's budget alone without a tree
    (``allocate``), within every node of it with one. The grid connection's limit per phase
    is less the base load (taken as balanced over the phases) and, for what is shared, less
    the reserve."""
    voltage = settings.voltage
    if tree.empty:
        target = allocate(share_w, demands, voltage, settings.strategy)
        return target, changes(current, target, budget_w, voltage)
    placement = {s.transaction_id: tree.stations.get(s.station) for s in sessions}
    grid_a = grid_share_a = None
    if tree.max_current_a is not None:
        grid_a = tree.max_current_a - base_w / (PHASES * voltage)
        grid_share_a = grid_a - capacity_w * settings.reserve_pct / 100 / (PHASES * voltage)
    shared = network(tree, share_w, demands, placement, voltage, grid_share_a)
    target = allocate_in_tree(shared, demands, settings.strategy)
    in_force = network(tree, budget_w, demands, placement, voltage, grid_a)
    return target, changes_in_tree(current, target, in_force)


def circuit_loads(
    tree: ElectricalTree,
    stations: Mapping[int, str],
    limits: Mapping[int, tuple[float, int]],
    voltage: int,
) -> list[CircuitLoad]:
    """Each node of the tree, depth first in the tree's order, with the sum of the limits in
    force of the sessions below it (``stations``: each session's station; ``limits``: each
    session's limit per phase and phases)."""
    above = {key: {c.key for c in tree.path(key)} for key in tree.by_key()}
    below: dict[str, list[tuple[float, int]]] = {key: [] for key in above}
    for session, (limit_a, phases) in limits.items():
        on = tree.stations.get(stations.get(session, ""))
        for key in above.get(on, set()) if on is not None else set():
            below[key].append((limit_a, phases))
    children: dict[str | None, list[Circuit]] = {}
    for circuit in tree.circuits:
        children.setdefault(circuit.parent, []).append(circuit)
    found: list[CircuitLoad] = []

    def walk(parent: str | None, depth: int) -> None:
        for circuit in children.get(parent, []):
            per_phase = [0.0] * PHASES
            for limit_a, phases in below[circuit.key]:
                for phase in range(min(PHASES, max(1, phases))):
                    per_phase[phase] += limit_a
            found.append(
                CircuitLoad(
                    circuit,
                    depth,
                    len(below[circuit.key]),
                    (round(per_phase[0], 1), round(per_phase[1], 1), round(per_phase[2], 1)),
                    sum(round(a * p * voltage) for a, p in below[circuit.key]),
                )
            )
            walk(circuit.key, depth + 1)

    walk(None, 0)
    return found
