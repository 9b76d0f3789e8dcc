"""Figures over time: site-local days, and their change from day to day, month to month and
year to year. Pure functions over daily buckets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Figures:
    """What happened on one day (or period) at the sites in view."""

    sessions: int = 0
    energy_wh: int = 0
    charging_seconds: int = 0
    new_drivers: int = 0
    top_ups: int = 0
    revenue_cents: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.sessions + other.sessions,
            self.energy_wh + other.energy_wh,
            self.charging_seconds + other.charging_seconds,
            self.new_drivers + other.new_drivers,
            self.top_ups + other.top_ups,
            self.revenue_cents + other.revenue_cents,
        )


def total(days: Mapping[date, Figures], first: date, last: date) -> Figures:
    """Sum of the days from ``first`` to ``last``, both included."""
    result = Figures()
    for day, figures in days.items():
        if first <= day <= last:
            result = result + figures
    return result


def change(current: int, previous: int) -> float | None:
    """Relative change in percent; None when there is nothing to compare with."""
    if previous == 0:
        return None
    return round((current - previous) / previous * 100.0, 1)


def _shift_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Comparison:
    """A period so far against the same stretch of the period before."""

    current: Figures
    previous: Figures


def day_over_day(days: Mapping[date, Figures], today: date) -> Comparison:
    yesterday = today - timedelta(days=1)
    return Comparison(total(days, today, today), total(days, yesterday, yesterday))


def month_over_month(days: Mapping[date, Figures], today: date) -> Comparison:
    """This month up to today against last month up to the same day of the month."""
    first = today.replace(day=1)
    previous_first = _shift_months(first, -1)
    previous_same_day = _shift_months(today, -1)
    return Comparison(total(days, first, today), total(days, previous_first, previous_same_day))


def year_over_year(days: Mapping[date, Figures], today: date) -> Comparison:
    """This year up to today against last year up to the same date."""
    first = today.replace(month=1, day=1)
    previous_same_day = _shift_months(today, -12)
    return Comparison(
        total(days, first, today),
        total(days, first.replace(year=first.year - 1), previous_same_day),
    )


def months(days: Mapping[date, Figures], last: date, count: int = 12) -> list[tuple[date, Figures]]:
    """Monthly totals of the ``count`` months ending with ``last``'s month, oldest first."""
    result = []
    for back in range(count - 1, -1, -1):
        first = _shift_months(last.replace(day=1), -back)
        following = _shift_months(first, 1)
        result.append((first, total(days, first, following - timedelta(days=1))))
    return result
