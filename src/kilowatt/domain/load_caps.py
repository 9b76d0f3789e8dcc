"""Time-of-use caps on a site's transformer: "weekdays 17:00 to 20:00 at most 60 kW".

A cap holds on the days it names (OCPI's weekday names, as tariffs' restrictions do) from
``start`` to ``end``, read on the site's wall clock (its time zone, whatever the daylight saving
time): a window whose end is not after its start runs overnight into the next day, and
belongs to the day it starts on (Friday 22:00 to 06:00 holds Friday night and Saturday morning);
a start equal to the end is a whole day from that time. The lowest cap in force wins, and
never raises the physical capacity. It lowers what the sessions share (the budget), not the
50 % / 80 % lines, which stay relative to the transformer's physical capacity: the lines
protect the transformer's health, the caps buy peak hours' power cheaper.

Wall-clock times a daylight saving change skips are never in force (they never happen); those
it repeats are in force both times, if the window covers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.tariffs import WEEKDAYS, Weekday

MAX_CAPS = 20


@dataclass(frozen=True, slots=True)
class LoadCap:
    days: tuple[Weekday, ...]
    start: time
    end: time
    max_w: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def holds_at(self, local: datetime) -> bool:
        """Whether the cap is in force at ``local``, a wall-clock time of the site."""
        moment = local.time().replace(tzinfo=None)
        today = WEEKDAYS[local.weekday()]
        if not self.overnight:
            return today in self.days and self.start <= moment < self.end
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        return (today in self.days and moment >= self.start) or (
            yesterday in self.days and moment < self.end
        )

    def check(self, where: str) -> None:
        if not self.days:
            raise InvalidInput(f"{where}.days", "at least one day")
        if len(set(self.days)) != len(self.days):
            raise InvalidInput(f"{where}.days", "names a day twice")
        if any(day not in WEEKDAYS for day in self.days):
            raise InvalidInput(f"{where}.days", "MONDAY to SUNDAY")
        if self.start.tzinfo is not None or self.start.second or self.start.microsecond:
            raise InvalidInput(f"{where}.start", "a time of day in minutes (HH:MM)")
        if self.end.tzinfo is not None or self.end.second or self.end.microsecond:
            raise InvalidInput(f"{where}.end", "a time of day in minutes (HH:MM)")
        if not 0 < self.max_w <= 10**10:
            raise InvalidInput(f"{where}.max_w", "above 0 W")


def check_caps(caps: Iterable[LoadCap]) -> None:
    listed = list(caps)
    if len(listed) > MAX_CAPS:
        raise InvalidInput("caps", f"at most {MAX_CAPS}")
    for index, cap in enumerate(listed):
        cap.check(f"caps.{index}")


def cap_in_force(caps: Iterable[LoadCap], now: datetime, zone: ZoneInfo) -> int | None:
    """The lowest cap (W) in force at ``now`` (aware, any zone) at a site in ``zone``; None
    when none is."""
    local = now.astimezone(zone)
    found = [cap.max_w for cap in caps if cap.holds_at(local)]
    return min(found) if found else None


def capacity_in_force(capacity_w: int, cap_w: int | None) -> int:
    """What the transformer may carry now: its capacity, or the cap in force if lower."""
    return capacity_w if cap_w is None else min(capacity_w, cap_w)
