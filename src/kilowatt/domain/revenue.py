"""Money over time: top-ups and revenue today, this month, this year and in all, each against
the same stretch of the period before (domain/reporting.py's rules), and per month. Pure
functions over (instant, amount) pairs, summed as Decimal: SQLite stores amounts as text, so
sums are never taken by the database.

Definitions:

* Revenue is what the CDRs charged, VAT included, counted at the session's end (the CDR's
  stop) in the report's time zone; a credit (a corrected bill) counts negative when it was
  made. A session billed later still counts on the day it ended.
* A top-up counts when it was recorded. Refunds and adjustments are not top-ups.
* Only amounts in the report's currency are summed (others are counted apart, never mixed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kilowatt.domain.reporting import Span, change, local_midnight, periods, shift_months
from kilowatt.domain.reporting_periods import stretch_bounds

Amounts = list[tuple[datetime, Decimal]]

_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class MoneyComparison:
    current: Decimal
    previous: Decimal

    @property
    def change(self) -> float | None:
        """In percent of the earlier amount (None when it was 0); from cents, as integers."""
        if self.previous == 0:
            return None
        return change(int(self.current * 100), int(self.previous * 100))


@dataclass(frozen=True, slots=True)
class MoneyFigures:
    """One figure card's amounts."""

    day: MoneyComparison
    month: MoneyComparison
    year: MoneyComparison
    cumulative: Decimal


def parse_amounts(rows: Iterable[tuple[datetime, str, object]], currency: str) -> Amounts:
    """(instant, currency, amount as stored) → (instant, Decimal) of ``currency`` only."""
    return [(at, Decimal(str(amount))) for at, code, amount in rows if code == currency]


def between(
    amounts: Iterable[tuple[datetime, Decimal]], since: datetime, until: datetime
) -> Decimal:
    return sum((a for at, a in amounts if since <= at < until), Decimal(0))


def figures(amounts: Amounts, cumulative: Decimal, now: datetime, zone: ZoneInfo) -> MoneyFigures:
    """Today, this month and this year until ``now`` against the same stretch of the period
    before; ``amounts`` must reach back to 1 January of last year."""
    today = now.astimezone(zone).date()
    compared: dict[Span, MoneyComparison] = {}
    for span, (current, previous) in periods(today).items():
        since = local_midnight(current.first, zone)
        earlier_since, earlier_until = stretch_bounds(previous, now, zone)
        compared[span] = MoneyComparison(
            between(amounts, since, now + _EPSILON),
            between(amounts, earlier_since, earlier_until),
        )
    return MoneyFigures(compared[Span.DAY], compared[Span.MONTH], compared[Span.YEAR], cumulative)


def first_needed(now: datetime, zone: ZoneInfo, months: int) -> datetime:
    """The earliest instant the figures and ``months`` monthly totals read."""
    today = now.astimezone(zone).date()
    oldest = shift_months(today.replace(day=1), -(months - 1))
    last_year = date(today.year - 1, 1, 1)
    return local_midnight(min(oldest, last_year), zone)


def monthly(
    amounts: Amounts, now: datetime, zone: ZoneInfo, months: int
) -> list[tuple[date, Decimal]]:
    """The ``months`` months ending with this one, oldest first, each keyed by its first day."""
    sums: dict[date, Decimal] = {}
    for at, amount in amounts:
        if at > now:
            continue
        key = at.astimezone(zone).date().replace(day=1)
        sums[key] = sums.get(key, Decimal(0)) + amount
    first = now.astimezone(zone).date().replace(day=1)
    return [
        (month, sums.get(month, Decimal(0)))
        for month in (shift_months(first, -back) for back in range(months - 1, -1, -1))
    ]
