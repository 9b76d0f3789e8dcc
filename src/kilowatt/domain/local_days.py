"""Days as the people of each site count them: a filter "from 1 March to 3 March" over several
sites in different time zones takes each record's days in its own site's zone (as the home
page's figures do), not one zone for all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from kilowatt.domain.exports import day_bounds, zone_of


@dataclass(frozen=True, slots=True)
class Window:
    """The instants [since, until) of the days in one zone, for the records of ``site_ids``
    (None: of stations at no site listed, or at none)."""

    site_ids: frozenset[int] | None
    since: datetime | None
    until: datetime | None


@dataclass(frozen=True, slots=True)
class LocalDays:
    """The local days ``first`` to ``last`` (both included; either open) at every site of
    ``zones`` (zone name → its sites), and in ``fallback`` for records of other stations."""

    first: date | None
    last: date | None
    zones: tuple[tuple[str, frozenset[int]], ...]
    fallback: str = "UTC"

    @classmethod
    def of(
        cls,
        first: date | None,
        last: date | None,
        sites: Iterable[tuple[int, str]],
        fallback: str = "UTC",
    ) -> LocalDays | None:
        """From (site id, zone) pairs; None when no day is asked for."""
        if first is None and last is None:
            return None
        grouped: dict[str, set[int]] = {}
        for site_id, zone in sites:
            grouped.setdefault(zone, set()).add(site_id)
        zones = tuple(sorted((zone, frozenset(ids)) for zone, ids in grouped.items()))
        return cls(first, last, zones, fallback)

    @property
    def site_ids(self) -> frozenset[int]:
        return frozenset().union(*(ids for _, ids in self.zones))

    def windows(self) -> list[Window]:
        """One window per zone, and the fallback's for every other station."""
        found = []
        for zone, ids in self.zones:
            since, until = day_bounds(self.first, self.last, zone_of(zone))
            found.append(Window(ids, since, until))
        since, until = day_bounds(self.first, self.last, zone_of(self.fallback))
        found.append(Window(None, since, until))
        return found
