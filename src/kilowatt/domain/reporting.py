"""Figures over time: site-local days, and their change from day to day, month to month and
year to year; what the connectors of the network are doing right now. Pure functions.

Definitions (the API documentation repeats them):

* A charging session counts on the site-local day it **started** (a station without a site:
  the UTC day), with its energy (Wh) and its charging time (stop - start). A session still
  running counts its energy so far (the latest meter reading less the start) and its time so
  far. Sessions whose stop is before their start add no time.
* A new driver account counts on the day it was made, in the report's time zone.
* Today counts everything up to now. Each period it is compared with ends at the same local
  time of day as now, on its last day (domain/reporting_periods.py):
* Day over day: today until now against yesterday until the same time of day.
* Month over month: this month from its 1st until now against last month from its 1st until
  the same time on the same day of the month. When last month is shorter (31 March against
  February) that is last month's last day: 1 to 31 March against 1 to 28 February.
* Year over year: 1 January until now against 1 January of last year until the same time on
  the same date (29 February against 28 February of a common year).
* A session of an earlier period that was still running at that time of day counts its
  charging time until then, and the share of its energy in proportion to that time.
* A change is in percent of the earlier figure, rounded to 0.1; None (shown "—") when the
  earlier figure is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kilowatt.domain.connector_states import ConnectorState, shown_state


@dataclass(frozen=True, slots=True)
class Figures:
    """What happened on one day (or period) at the sites in view."""

    sessions: int = 0
    energy_wh: int = 0
    charging_seconds: int = 0
    new_drivers: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.sessions + other.sessions,
            self.energy_wh + other.energy_wh,
            self.charging_seconds + other.charging_seconds,
            self.new_drivers + other.new_drivers,
        )


FIGURES = ("sessions", "energy_wh", "charging_seconds", "new_drivers")

Ledger = dict[date, Figures]
"""Figures per day."""


@dataclass(frozen=True, slots=True)
class SitePoint:
    """A site as the map shows it."""

    id: int
    name: str
    city: str
    timezone: str
    latitude: float | None
    longitude: float | None
    stations: int = 0
    stations_online: int = 0

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def total(days: Mapping[date, Figures], first: date, last: date) -> Figures:
    """Sum of the days from ``first`` to ``last``, both included."""
    result = Figures()
    for day, figures in days.items():
        if first <= day <= last:
            result = result + figures
    return result


def change(current: int, previous: int) -> float | None:
    """Relative change in percent, rounded to 0.1; None when there is nothing to compare with
    (the earlier figure is 0)."""
    if previous == 0:
        return None
    return round((current - previous) / previous * 100.0, 1)


def shift_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later (earlier when negative); the month's last day
    when it has fewer days (31 March minus 1 month = 28 or 29 February)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last_day = (following - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class Comparison:
    """A period so far against the same stretch of the period before."""

    current: Figures
    previous: Figures
    current_period: Period
    previous_period: Period
    previous_until: datetime
    """Where the earlier stretch ends (excluded), in the report's time zone: on its last day,
    the time of day it is now."""

    def change(self, name: str) -> float | None:
        return change(getattr(self.current, name), getattr(self.previous, name))


class Span(StrEnum):
    """What today is compared over."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def periods(today: date) -> dict[Span, tuple[Period, Period]]:
    """Each span's period up to today, and the earlier one it is compared with: yesterday;
    last month from its 1st up to the same day of the month (or its last day, when it is
    shorter); last year from 1 January up to the same date (28 February for 29 February)."""
    yesterday = today - timedelta(days=1)
    month = today.replace(day=1)
    year = today.replace(month=1, day=1)
    return {
        Span.DAY: (Period(today, today), Period(yesterday, yesterday)),
        Span.MONTH: (
            Period(month, today),
            Period(shift_months(month, -1), shift_months(today, -1)),
        ),
        Span.YEAR: (
            Period(year, today),
            Period(year.replace(year=year.year - 1), shift_months(today, -12)),
        ),
    }


def first_day_needed(today: date, months: int) -> date:
    """The earliest day of the daily figures that this year and ``months`` monthly totals read
    (the earlier periods compared with are read on their own, up to a time of day)."""
    return min(today.replace(month=1, day=1), month_start(today, months))


def month_start(today: date, months: int) -> date:
    """First day of the oldest of the ``months`` months ending with today's month."""
    return shift_months(today.replace(day=1), -(months - 1))


def monthly(
    days: Mapping[date, Figures], last: date, count: int = 12
) -> list[tuple[date, Figures]]:
    """Monthly totals of the ``count`` months ending with ``last``'s month, oldest first, each
    keyed by its first day."""
    sums: dict[date, Figures] = {}
    for day, figures in days.items():
        key = day.replace(day=1)
        sums[key] = sums.get(key, Figures()) + figures
    result = []
    for back in range(count - 1, -1, -1):
        first = shift_months(last.replace(day=1), -back)
        result.append((first, sums.get(first, Figures())))
    return result


def per_day(moments: Iterable[datetime], zone: ZoneInfo) -> dict[date, Figures]:
    """New driver accounts per local day of ``zone``, from when each was made."""
    result: dict[date, int] = {}
    for moment in moments:
        day = moment.astimezone(zone).date()
        result[day] = result.get(day, 0) + 1
    return {day: Figures(new_drivers=count) for day, count in result.items()}


def merge(*series: Mapping[date, Figures]) -> dict[date, Figures]:
    result: dict[date, Figures] = {}
    for days in series:
        for day, figures in days.items():
            result[day] = result.get(day, Figures()) + figures
    return result


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant ``day`` begins in ``zone``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


# Local days without time zone support in the database (SQLite) ----------------------------


@dataclass(frozen=True, slots=True)
class OffsetSpan:
    """From ``since`` (UTC; None: from the beginning) on, ``zone`` is ``minutes`` ahead of UTC,
    until the next span."""

    since: datetime | None
    minutes: int


def offset_minutes(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


def _offset_at(zone: ZoneInfo, seconds: int) -> int:
    return offset_minutes(zone, datetime.fromtimestamp(seconds, UTC))


def offset_spans(zone: ZoneInfo, start: datetime, end: datetime) -> list[OffsetSpan]:
    """The zone's UTC offsets between ``start`` and ``end`` (both UTC): the first span starts
    with no lower bound, each following one at the exact second the offset changes. A local
    day is then ``date(utc + offset)``: what a database without time zones can compute."""
    spans = [OffsetSpan(None, offset_minutes(zone, start))]
    step = 7 * 86400  # no time zone changes its offset twice within a week
    moment = int(start.timestamp())
    stop = int(end.timestamp()) + 1
    while moment < stop:
        following = min(moment + step, stop)
        after = _offset_at(zone, following)
        if after != spans[-1].minutes:
            low, high = moment, following  # offset(low) is the old one, offset(high) the new
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == spans[-1].minutes:
                    low = middle
                else:
                    high = middle
            spans.append(OffsetSpan(datetime.fromtimestamp(high, UTC), after))
        moment = following
    return spans


def local_day(spans: list[OffsetSpan], moment: datetime) -> date:
    """The local day of ``moment`` (UTC) by ``spans``: what the database computes."""
    minutes = spans[0].minutes
    for span in spans[1:]:
        assert span.since is not None
        if moment >= span.since:
            minutes = span.minutes
    return (moment.astimezone(UTC) + timedelta(minutes=minutes)).date()


# What the connectors are doing ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusCounts:
    stations_online: int = 0
    stations_offline: int = 0
    connectors: dict[ConnectorState, int] = field(default_factory=dict)

    @property
    def stations(self) -> int:
        return self.stations_online + self.stations_offline

    def count(self, state: ConnectorState) -> int:
        return self.connectors.get(state, 0)


def status_counts(
    stations: Iterable[tuple[bool, int]], connectors: Iterable[tuple[bool, str, int]]
) -> StatusCounts:
    """From (online, how many) of the stations and (station online, state, how many) of
    their connectors: each connector counts under one state (domain/connector_states.py)."""
    online = offline = 0
    for is_online, count in stations:
        if is_online:
            online += count
        else:
            offline += count
    states = dict.fromkeys(ConnectorState, 0)
    for station_online, state, count in connectors:
        states[shown_state(state, station_online)] += count
    return StatusCounts(online, offline, states)
