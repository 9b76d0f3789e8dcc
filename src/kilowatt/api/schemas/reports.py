"""Reports: the home page's figures, per month, and the status of the network."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.money import money_text
from kilowatt.domain.reporting import Comparison, Figures, Period, StatusCounts
from kilowatt.domain.revenue import MoneyFigures
from kilowatt.services.reporting import Summary
from kilowatt.services.revenue import MoneySummary

DEFINITIONS = """\
Definitions. A charging session counts on the site-local day it started (a station without a
site: the UTC day), with its energy (Wh) and its charging time (stop - start, in seconds); a
session still running counts its energy so far (the latest meter reading less the start) and
its time so far. A new driver account counts on the day it was made, in the report's time
zone; it is reported only to callers that may read tokens and are not limited to some sites
(drivers belong to the organization, not to a site): null otherwise. "Today" is the date in
the report's time zone (`timezone`; default: the time zone of the caller's first site, UTC
without sites). Comparisons are like for like: today, this month and this year count up to
now, and the periods they are compared with end at the same local time of day (each site's
own), on their last day (`periods`). Day over day: today until now against yesterday until
the same time. Month over month: this month from its 1st until now against last month from
its 1st until the same time on the same day of the month (or on last month's last day: on
31 March, 1-31 March against 1-28 February). Year over year: 1 January until now against 1
January of last year until the same time on the same date (28 February for 29 February). A
session of an earlier period still running at that time counts its charging time until
then and the share of its energy in proportion to that time. A change is in percent of the
earlier figure, rounded to 0.1, and null when the earlier figure is 0.

Money: revenue is what the charge detail records billed, VAT included, counted on the day the
session ended (a credit note counts negative on the day it was made); a top-up counts when it
was recorded (refunds and adjustments are not top-ups). Amounts are decimal strings in the
organization's currency, never floats. Top-ups are null for a caller limited to some sites:
wallets belong to the whole organization."""


class Figure(Schema):
    """One figure today, over the periods compared, over all time, and its changes."""

    today: int = Field(description="Today until now.")
    yesterday: int = Field(description="Yesterday until the same time of day.")
    month: int = Field(description="This month until now.")
    previous_month: int = Field(
        description="Last month until the same time on the same day of the month."
    )
    year: int = Field(description="This year until now.")
    previous_year: int = Field(description="Last year until the same time on the same date.")
    cumulative: int = Field(description="Over all time.")
    day_over_day: float | None = Field(description="Percent; null: yesterday was 0.")
    month_over_month: float | None
    year_over_year: float | None


class MoneyFigure(Schema):
    """An amount of money today, over the periods compared, over all time, and its changes;
    amounts are decimal strings in ``currency``."""

    currency: str = Field(examples=["EUR"])
    today: str = Field(examples=["12.40"])
    yesterday: str
    month: str
    previous_month: str
    year: str
    previous_year: str
    cumulative: str
    day_over_day: float | None = Field(description="Percent; null: yesterday was 0.")
    month_over_month: float | None
    year_over_year: float | None


class SummaryFigures(Schema):
    sessions: Figure
    energy_wh: Figure
    charging_seconds: Figure
    new_drivers: Figure | None = Field(
        description="null: not reported to this caller (limited to some sites, or without "
        "tokens:read)."
    )
    top_ups: MoneyFigure | None = Field(
        description="Wallet top-ups; null: not reported to this caller (limited to some sites)."
    )
    revenue: MoneyFigure = Field(description="Billed revenue, VAT included.")


class PeriodOut(Schema):
    first: date
    last: date
    until: datetime = Field(
        description="Where it ends (excluded), in the report's time zone: now for the current "
        "periods; for the earlier ones the same time of day on their last day (each site is "
        "counted until that time of day in its own time zone)."
    )


class Periods(Schema):
    day: PeriodOut
    previous_day: PeriodOut
    month: PeriodOut
    previous_month: PeriodOut
    year: PeriodOut
    previous_year: PeriodOut


class StationCounts(Schema):
    total: int
    online: int
    offline: int


class ConnectorCounts(Schema):
    """How many connectors are in each state (the same states whatever the station's OCPP
    version: a 1.6 Charging and a 2.0.1 Occupied with a transaction charging are both
    charging). Each connector counts once. Connectors of offline stations count as offline
    whatever their last state; unknown: their station never reported them."""

    total: int
    available: int
    preparing: int
    charging: int
    suspended: int
    finishing: int
    reserved: int
    unavailable: int
    faulted: int
    offline: int
    unknown: int


class StatusOut(Schema):
    stations: StationCounts
    connectors: ConnectorCounts


class SummaryOut(Schema):
    timezone: str
    today: date
    generated_at: datetime
    figures: SummaryFigures
    periods: Periods
    status: StatusOut


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM", examples=["2025-03"])
    first_day: date
    sessions: int
    energy_wh: int
    charging_seconds: int
    new_drivers: int | None
    revenue: str = Field(
        description="Billed revenue, VAT included, of sessions that ended in the month; a "
        "decimal string in the list's currency.",
        examples=["1234.50"],
    )


class MonthlyOut(Schema):
    timezone: str
    currency: str = Field(description="The currency of the months' revenue.", examples=["EUR"])
    months: list[MonthOut] = Field(description="Oldest first; the last one is this month.")


def _figure(
    name: str, day: Comparison, month: Comparison, year: Comparison, all_time: Figures
) -> Figure:
    return Figure(
        today=getattr(day.current, name),
        yesterday=getattr(day.previous, name),
        month=getattr(month.current, name),
        previous_month=getattr(month.previous, name),
        year=getattr(year.current, name),
        previous_year=getattr(year.previous, name),
        cumulative=getattr(all_time, name),
        day_over_day=day.change(name),
        month_over_month=month.change(name),
        year_over_year=year.change(name),
    )


def status_out(status: StatusCounts) -> StatusOut:
    counts = {state.value: status.count(state) for state in ConnectorState}
    return StatusOut(
        stations=StationCounts(
            total=status.stations, online=status.stations_online, offline=status.stations_offline
        ),
        connectors=ConnectorCounts(total=sum(counts.values()), **counts),
    )


def _period(period: Period, until: datetime, zone: str | None = None) -> PeriodOut:
    if zone is not None:
        until = until.astimezone(ZoneInfo(zone))
    return PeriodOut(first=period.first, last=period.last, until=until)


def money_figure(figures: MoneyFigures, currency: str) -> MoneyFigure:
    def text(amount: Decimal) -> str:
        return money_text(amount, currency)

    return MoneyFigure(
        currency=currency,
        today=text(figures.day.current),
        yesterday=text(figures.day.previous),
        month=text(figures.month.current),
        previous_month=text(figures.month.previous),
        year=text(figures.year.current),
        previous_year=text(figures.year.previous),
        cumulative=text(figures.cumulative),
        day_over_day=figures.day.change,
        month_over_month=figures.month.change,
        year_over_year=figures.year.change,
    )


def summary_out(summary: Summary, cash: MoneySummary) -> SummaryOut:
    parts = (summary.day, summary.month, summary.year, summary.cumulative)
    return SummaryOut(
        timezone=summary.timezone,
        today=summary.today,
        generated_at=summary.generated_at,
        figures=SummaryFigures(
            sessions=_figure("sessions", *parts),
            energy_wh=_figure("energy_wh", *parts),
            charging_seconds=_figure("charging_seconds", *parts),
            new_drivers=_figure("new_drivers", *parts) if summary.drivers_counted else None,
            top_ups=None if cash.top_ups is None else money_figure(cash.top_ups, cash.currency),
            revenue=money_figure(cash.revenue, cash.currency),
        ),
        periods=Periods(
            day=_period(summary.day.current_period, summary.generated_at, summary.timezone),
            previous_day=_period(summary.day.previous_period, summary.day.previous_until),
            month=_period(summary.month.current_period, summary.generated_at, summary.timezone),
            previous_month=_period(summary.month.previous_period, summary.month.previous_until),
            year=_period(summary.year.current_period, summary.generated_at, summary.timezone),
            previous_year=_period(summary.year.previous_period, summary.year.previous_until),
        ),
        status=status_out(summary.status),
    )


def month_out(
    first: date, figures: Figures, drivers_counted: bool, revenue: Decimal, currency: str
) -> MonthOut:
    return MonthOut(
        month=first.strftime("%Y-%m"),
        first_day=first,
        sessions=figures.sessions,
        energy_wh=figures.energy_wh,
        charging_seconds=figures.charging_seconds,
        new_drivers=figures.new_drivers if drivers_counted else None,
        revenue=money_text(revenue, currency),
    )
