"""Who may charge where, and when.

A site or a station is *public* (every valid token of the organization may charge there) or
*private* (only the token groups an access rule grants). A station says ``access`` None to
follow its site; a station without a site is public unless it says otherwise. A rule grants
one group a whole site or a single station, always or in time windows.

Time windows are wall-clock times in the site's own time zone (UTC for a station without a
site): "Mon-Fri 07:00-19:00" means what the clocks on the site's walls show. A window whose
end is not after its start crosses midnight and ends on the next day ("Fri 22:00-06:00" runs
into Saturday morning); start equal to end is a whole 24 hours. Because they are wall-clock
times, a window boundary that falls in the hour skipped when clocks go forward never
happens that day (the window opens at the first wall time inside it), and a boundary in the
repeated hour when clocks go back is met twice (the window follows the clock).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kilowatt.domain.errors import InvalidInput


class AccessMode(StrEnum):
    PUBLIC = "public"
    """Any valid token of the organization may charge."""
    PRIVATE = "private"
    """Only the token groups an access rule grants may charge."""


class AccessStatus(StrEnum):
    ALLOWED = "Allowed"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"
    """No rule grants the token's group this station (or the token has no group)."""
    NOT_AT_THIS_TIME = "NotAtThisTime"
    """A rule grants the group this station, but none of its windows is open now."""


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Days as the API writes them; the domain counts them like ``date.weekday()`` (Monday 0)."""

MAX_WINDOWS = 28
HORIZON = timedelta(days=8)
"""How far ahead ``next_change`` looks: windows repeat every week, so a rule set whose answer
does not change within 8 days never changes (only a clock change could, and it moves no
boundary by more than a few hours)."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Open from ``start`` on each of ``days`` until ``end`` (on the next day when ``end`` is
    not after ``start``), in local wall-clock time."""

    days: frozenset[int]
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def contains(self, wall: datetime) -> bool:
        """Whether the local wall-clock time ``wall`` (its zone, if any, is ignored) is inside."""
        moment = wall.time().replace(tzinfo=None, fold=0)
        day = wall.weekday()
        if not self.crosses_midnight:
            return day in self.days and self.start <= moment < self.end
        return (day in self.days and moment >= self.start) or (
            (day - 1) % 7 in self.days and moment < self.end
        )

    def to_json(self) -> dict[str, object]:
        return {
            "days": [DAY_NAMES[d] for d in sorted(self.days)],
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TimeWindow:
        days = data.get("days")
        if not isinstance(days, list):
            raise InvalidInput("windows", "days must be a list")
        return window([str(d) for d in days], str(data.get("start")), str(data.get("end")))


def parse_day(name: str) -> int:
    try:
        return DAY_NAMES.index(name.strip().lower()[:3])
    except ValueError:
        raise InvalidInput("windows", f"unknown day {name!r}: use mon, tue ... sun") from None


def parse_clock(text: str) -> time:
    """``HH:MM`` (24-hour); ``24:00`` is refused, write ``00:00`` (a window ending at
    midnight crosses it by zero minutes)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise InvalidInput("windows", f"time {text!r} is not HH:MM")
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise InvalidInput("windows", f"time {text!r} is not a time of day")
    return time(hour, minute)


def window(days: Iterable[str | int], start: str | time, end: str | time) -> TimeWindow:
    """A checked window from API-style parts."""
    numbers = frozenset(d if isinstance(d, int) else parse_day(d) for d in days)
    if not numbers:
        raise InvalidInput("windows", "a window needs at least one day")
    if not all(0 <= d <= 6 for d in numbers):
        raise InvalidInput("windows", "days are 0 (Monday) to 6 (Sunday)")
    opens = start if isinstance(start, time) else parse_clock(start)
    closes = end if isinstance(end, time) else parse_clock(end)
    if opens.tzinfo is not None or closes.tzinfo is not None:
        raise InvalidInput("windows", "times are local wall-clock times, without a zone")
    return TimeWindow(numbers, opens, closes)


def check_windows(windows: Sequence[TimeWindow]) -> list[TimeWindow]:
    if len(windows) > MAX_WINDOWS:
        raise InvalidInput("windows", f"at most {MAX_WINDOWS} windows per rule")
    return list(windows)


@dataclass(eq=False)
class AccessRule:
    """``group_id`` may charge at ``site_id`` (each of its stations) or at ``station_id``,
    always (no windows) or while one of ``windows`` is open."""

    organization_id: int
    group_id: int
    created_at: datetime
    updated_at: datetime
    site_id: int | None = None
    station_id: int | None = None
    windows: list[TimeWindow] = field(default_factory=list)
    description: str = ""
    id: int | None = None

    @property
    def always(self) -> bool:
        return not self.windows


@dataclass(frozen=True, slots=True)
class Place:
    """A station as access control sees it."""

    station_id: int
    site_id: int | None
    mode: AccessMode
    timezone: str = "UTC"


def effective_mode(site_mode: AccessMode | None, station_mode: AccessMode | None) -> AccessMode:
    """The station's own mode, else its site's, else public."""
    return station_mode or site_mode or AccessMode.PUBLIC


def applies(rule: AccessRule, place: Place) -> bool:
    if rule.station_id is not None:
        return rule.station_id == place.station_id
    return rule.site_id is not None and rule.site_id == place.site_id


@dataclass(frozen=True, slots=True)
class AccessDecision:
    status: AccessStatus
    until: datetime | None = None
    """When this answer may change (a window closes or opens); None: not within a week."""

    @property
    def allowed(self) -> bool:
        return self.status is AccessStatus.ALLOWED


ALLOWED = AccessDecision(AccessStatus.ALLOWED)


def always_allowed(place: Place, group_id: int | None, rules: Iterable[AccessRule]) -> bool:
    """Whether the group may charge there at any time: the place is public, or a rule without
    windows grants the group the place."""
    if place.mode is AccessMode.PUBLIC:
        return True
    return group_id is not None and any(
        rule.group_id == group_id and rule.always and applies(rule, place) for rule in rules
    )


def decide(
    place: Place, group_id: int | None, rules: Iterable[AccessRule], now: datetime
) -> AccessDecision:
    """May a token of ``group_id`` (None: a token without a group) charge at ``place`` at
    ``now``? ``rules`` may hold rules of other groups and places: only those that grant this
    group this place count."""
    if place.mode is AccessMode.PUBLIC:
        return ALLOWED
    granted = [
        rule
        for rule in rules
        if group_id is not None and rule.group_id == group_id and applies(rule, place)
    ]
    if not granted:
        return AccessDecision(AccessStatus.NOT_AT_THIS_LOCATION)
    if any(rule.always for rule in granted):
        return ALLOWED
    windows = [w for rule in granted for w in rule.windows]
    zone = ZoneInfo(place.timezone)
    status = AccessStatus.ALLOWED if is_open(windows, zone, now) else AccessStatus.NOT_AT_THIS_TIME
    return AccessDecision(status, next_change(windows, zone, now))


# Time windows over instants ------------------------------------------------------------------


def wall_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock time at ``instant`` (aware)."""
    if instant.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return instant.astimezone(zone)


def is_open(windows: Iterable[TimeWindow], zone: ZoneInfo, instant: datetime) -> bool:
    wall = wall_time(instant, zone)
    return any(w.contains(wall) for w in windows)


def _instants(wall: datetime, zone: ZoneInfo) -> set[datetime]:
    """The instants a naive wall-clock time maps to, read with either fold: both for a
    repeated time; for a skipped one, one on each side of the gap."""
    return {wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def clock_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in (start, end] at which the zone's UTC offset changes (to the second:
    every zone changes on a whole second)."""

    def offset(seconds: int) -> timedelta | None:
        return _offset(datetime.fromtimestamp(seconds, UTC), zone)

    found = []
    low = start
    while low < end:
        high = min(low + timedelta(hours=1), end)
        if _offset(low, zone) != _offset(high, zone):
            a, b = math.floor(low.timestamp()), math.ceil(high.timestamp())
            after = offset(b)
            while b - a > 1:  # offset(a) differs from ``after``; offset(b) is ``after``
                middle = (a + b) // 2
                if offset(middle) == after:
                    b = middle
                else:
                    a = middle
            change = datetime.fromtimestamp(b, UTC)
            if start < change <= end:
                found.append(change)
        low = high
    return found


def next_change(
    windows: Sequence[TimeWindow], zone: ZoneInfo, instant: datetime, horizon: timedelta = HORIZON
) -> datetime | None:
    """The first instant after ``instant``, within ``horizon``, at which ``is_open`` changes;
    None when it does not change within the horizon.

    The answer only changes where the wall clock meets a window boundary or jumps (a clock
    change), so those instants are the only candidates.
    """
    if not windows:
        return None
    instant = instant.astimezone(UTC)
    limit = instant + horizon
    first_day: date = wall_time(instant, zone).date() - timedelta(days=1)
    candidates: set[datetime] = set(clock_changes(zone, instant, limit))
    for offset in range(horizon.days + 3):
        day = first_day + timedelta(days=offset)
        for w in windows:
            if day.weekday() not in w.days:
                continue
            closes_on = day + timedelta(days=1) if w.crosses_midnight else day
            candidates |= _instants(datetime.combine(day, w.start), zone)
            candidates |= _instants(datetime.combine(closes_on, w.end), zone)
    now_open = is_open(windows, zone, instant)
    for candidate in sorted(c for c in candidates if instant < c <= limit):
        if is_open(windows, zone, candidate) != now_open:
            return candidate
    return None
