"""What goes when sites or stations are deleted with what they hold: their stations,
connectors, charging sessions (with their meter readings) and faults, counted for the
confirmation a person reads before anything goes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contents:
    """Counts of what a station (or several, summed) holds."""

    stations: int = 0
    connectors: int = 0
    sessions: int = 0
    faults: int = 0
    open_faults: int = 0

    def __add__(self, other: Contents) -> Contents:
        return Contents(
            self.stations + other.stations,
            self.connectors + other.connectors,
            self.sessions + other.sessions,
            self.faults + other.faults,
            self.open_faults + other.open_faults,
        )

    @property
    def empty(self) -> bool:
        """Nothing but the stations themselves and their connectors."""
        return self.sessions == 0 and self.faults == 0


def total(parts: Iterable[Contents]) -> Contents:
    result = Contents()
    for part in parts:
        result = result + part
    return result
