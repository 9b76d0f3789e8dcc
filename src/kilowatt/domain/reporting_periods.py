"""Like for like: the earlier periods today is compared with end at the time of day it is
now. Pure functions.

At 08:00, today has had eight hours; yesterday is counted until 08:00 too, last month from
its 1st until 08:00 on the same day of the month, last year from 1 January until 08:00 on
the same date (domain/reporting.py ``periods``). The time of day is each site's own: a site
in London is compared until 06:00 London time when it is 08:00 in Helsinki.

A period is read from the database as a *stretch*: for each site time zone, the sessions
that started from the local midnight of its first day until its cut-off. Those that ended by
the cut-off count whole; those still running at it count their time until the cut-off and
the share of their energy in proportion to that time (``share_before``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from kilowatt.domain.reporting import Figures, Period, local_midnight

Bounds = tuple[datetime, datetime]
"""[since, until) of a stretch in one time zone, both UTC."""


def same_time_on(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant ``day`` reaches ``clock`` in ``zone``: the first instant whose local
    date and time are ``day`` ``clock`` or later. When the clocks go back and the time comes
    twice, its first coming; when they jump over it (the start of daylight saving time), the
    instant they jump."""
    wanted = datetime.combine(day, clock.replace(tzinfo=None))
    instant = wanted.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wanted:
        return instant
    # A local time that does not exist: fold 1 reads it with the offset after the jump (an
    # instant before it), fold 0 with the offset before (an instant after it). The jump lies
    # between, at a whole second.
    low = int(wanted.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(instant.timestamp()) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wanted:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def stretch_bounds(period: Period, now: datetime, zone: ZoneInfo) -> Bounds:
    """From the local midnight of the period's first day until the time of day ``now`` has
    in ``zone``, on its last day."""
    clock = now.astimezone(zone).time()
    return local_midnight(period.first, zone), same_time_on(period.last, clock, zone)


def zone_bounds(period: Period, now: datetime, zones: Iterable[str]) -> dict[str, Bounds]:
    """The stretch of ``period`` in each of ``zones``."""
    return {name: stretch_bounds(period, now, ZoneInfo(name)) for name in zones}


@dataclass(frozen=True, slots=True)
class Crossing:
    """A session of a stretch that was still running at its cut-off (or still runs)."""

    zone: str
    """Its site's time zone, whose cut-off applies."""
    start: datetime
    stop: datetime | None
    """None: it still runs."""
    energy_wh: int | None
    """Its energy, or so far when it still runs (None: unknown)."""
    measured_at: datetime | None = None
    """When it still runs: the time of the reading its energy so far comes from."""


def share_before(session: Crossing, until: datetime) -> Figures:
    """The charging time and energy ``session`` had before ``until``: time until then, and
    the share of its energy in proportion to the time it had run by then (its energy being
    known up to its stop, or for a running one up to its latest reading)."""
    if until <= session.start:
        return Figures()
    seconds = (until - session.start).total_seconds()
    end = session.stop if session.stop is not None else session.measured_at
    energy = session.energy_wh or 0
    if end is not None and end > until:
        energy = int(energy * seconds / (end - session.start).total_seconds())
    return Figures(energy_wh=energy, charging_seconds=round(seconds))


def stretch_figures(
    ended: Figures, crossing: Iterable[Crossing], bounds: Mapping[str, Bounds]
) -> Figures:
    """A stretch's figures: ``ended`` (every session counted, and the energy and time of
    those that ended by the cut-off) plus the share before the cut-off of the others."""
    result = ended
    for session in crossing:
        if session.zone in bounds:
            result = result + share_before(session, bounds[session.zone][1])
    return result
