"""A site's electrical tree: below its grid connection (the transformer: the site's
``grid_capacity_w`` and an optional limit in amperes per phase), panels and circuits nested to
any depth, each with its own limit (amperes per phase, and optionally watts), and the stations
each hangs on (a station on no circuit hangs directly under the grid connection).

Circuits are named by a ``key`` the operator chooses (unique in the site), so a whole tree can
be written at once (the API's PUT, an import) with parents named before they are stored.

Phases: a session loads the phases it charges on, from L1 (a single-phase car loads L1 only,
a three-phase car all three). The stations do not tell their phase rotation, so counting every
single-phase car on L1 is the safe assumption: it is what a site wired without rotation sees.
A DC charger is counted as a balanced three-phase load of its power.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kilowatt.domain.errors import InvalidInput

PHASES = 3
MAX_CIRCUITS = 500
MAX_KEY = 40
MAX_NAME = 100
MAX_CURRENT_A = 10_000.0
"""No circuit or grid connection Kilowatt manages carries more per phase (a sanity bound)."""


class CircuitKind(StrEnum):
    PANEL = "panel"
    """A distribution board: feeds other panels and circuits."""
    CIRCUIT = "circuit"
    """A final circuit: feeds stations."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Circuit:
    """A panel or a circuit below a site's grid connection."""

    key: str
    name: str
    kind: CircuitKind = CircuitKind.CIRCUIT
    parent: str | None = None
    """The key of the panel or circuit it hangs on (None: the grid connection)."""
    max_current_a: float | None = None
    """Amperes per phase (its breaker); None: no limit of its own."""
    max_power_w: int | None = None
    """Watts over its phases together; None: no limit of its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectricalTree:
    """Everything below a site's grid connection."""

    max_current_a: float | None = None
    """The grid connection's limit in amperes per phase (None: its capacity in W only)."""
    circuits: tuple[Circuit, ...] = ()
    stations: Mapping[str, str] = field(default_factory=dict)
    """Station (OCPP identity) → the key of the circuit it hangs on."""

    @property
    def empty(self) -> bool:
        return self.max_current_a is None and not self.circuits

    def by_key(self) -> dict[str, Circuit]:
        return {c.key: c for c in self.circuits}

    def path(self, key: str | None) -> list[Circuit]:
        """The circuit ``key`` and every panel above it, the circuit first (a checked tree:
        no cycle, every parent known)."""
        circuits = self.by_key()
        found: list[Circuit] = []
        while key is not None:
            circuit = circuits[key]
            found.append(circuit)
            key = circuit.parent
        return found

    def below(self, key: str) -> list[str]:
        """The stations on ``key`` or on any circuit below it."""
        return [station for station, on in self.stations.items() if key in self._keys_up(on)]

    def _keys_up(self, key: str) -> set[str]:
        return {c.key for c in self.path(key)}


@dataclass(frozen=True, slots=True)
class Note:
    """Something allowed but worth the operator's eye (a child's limit above its parent's)."""

    field: str
    message: str


def check_tree(tree: ElectricalTree, stations: set[str]) -> list[Note]:
    """Refuse a tree that cannot be (InvalidInput naming the field: ``circuits.2.parent``,
    ``stations.CP-1``...); return the notes on one that can. ``stations``: the site's own."""
    if tree.max_current_a is not None:
        _check_current("max_current_a", tree.max_current_a)
    if len(tree.circuits) > MAX_CIRCUITS:
        raise InvalidInput("circuits", f"at most {MAX_CIRCUITS} panels and circuits")
    index: dict[str, int] = {}
    for i, circuit in enumerate(tree.circuits):
        where = f"circuits.{i}"
        key = circuit.key.strip()
        if not key or len(key) > MAX_KEY or key != circuit.key:
            raise InvalidInput(f"{where}.key", f"1 to {MAX_KEY} characters, no outer spaces")
        if key in index:
            raise InvalidInput(f"{where}.key", "another panel or circuit has the same key")
        index[key] = i
        if not circuit.name.strip() or len(circuit.name) > MAX_NAME:
            raise InvalidInput(f"{where}.name", f"1 to {MAX_NAME} characters")
        if circuit.kind not in set(CircuitKind):
            raise InvalidInput(f"{where}.kind", "panel or circuit")
        if circuit.max_current_a is not None:
            _check_current(f"{where}.max_current_a", circuit.max_current_a)
        if circuit.max_power_w is not None and circuit.max_power_w <= 0:
            raise InvalidInput(f"{where}.max_power_w", "must be above 0 W")
    for i, circuit in enumerate(tree.circuits):
        if circuit.parent is not None and circuit.parent not in index:
            raise InvalidInput(f"circuits.{i}.parent", f"no circuit has the key {circuit.parent!r}")
    for i, circuit in enumerate(tree.circuits):
        seen = [circuit.key]
        parent = circuit.parent
        while parent is not None:
            if parent in seen:
                loop = " → ".join([*seen, parent])
                raise InvalidInput(f"circuits.{i}.parent", f"makes a cycle: {loop}")
            seen.append(parent)
            parent = tree.circuits[index[parent]].parent
    for station, key in tree.stations.items():
        if station not in stations:
            raise InvalidInput(f"stations.{station}", "no station of this site has that id")
        if key not in index:
            raise InvalidInput(f"stations.{station}", f"no circuit has the key {key!r}")
    return _notes(tree, index)


def _check_current(where: str, amps: float) -> None:
    if not 0 < amps <= MAX_CURRENT_A:
        raise InvalidInput(where, f"above 0 A and at most {MAX_CURRENT_A:g} A")


def _notes(tree: ElectricalTree, index: Mapping[str, int]) -> list[Note]:
    notes: list[Note] = []
    for i, circuit in enumerate(tree.circuits):
        parent = tree.circuits[index[circuit.parent]] if circuit.parent is not None else None
        above_a = parent.max_current_a if parent is not None else tree.max_current_a
        if (
            circuit.max_current_a is not None
            and above_a is not None
            and circuit.max_current_a > above_a
        ):
            notes.append(
                Note(
                    f"circuits.{i}.max_current_a",
                    f"above its parent's {above_a:g} A: the parent's limit applies",
                )
            )
        if (
            parent is not None
            and circuit.max_power_w is not None
            and parent.max_power_w is not None
            and circuit.max_power_w > parent.max_power_w
        ):
            notes.append(
                Note(
                    f"circuits.{i}.max_power_w",
                    f"above its parent's {parent.max_power_w} W: the parent's limit applies",
                )
            )
    return notes
