"""Reports: the home page's figures, per month, and the status of the network."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.reporting import Comparison, ConnectorState, Figures, StatusCounts
from kilowatt.services.reporting import Summary

DEFINITIONS = """\
Definitions. A charging session counts on the site-local day it started (a station without a
site: the UTC day). Its energy (Wh) and its charging time (stop - start, in seconds) count on
that same day once it has completed: a running session counts as a session at once, but adds
its energy and time only when it ends. A new driver account counts on the day it was made,
in the report's time zone; it is reported only to callers that may read tokens and are not
limited to some sites (drivers belong to the organization, not to a site): null otherwise.
"Today" is the date in the report's time zone (`timezone`; default: the time zone of the
caller's first site, UTC without sites). Day over day: today against yesterday. Month over
month: this month up to today against last month up to the same day of the month (or last
month's last day: 31 March compares 1-31 March with 1-28 February). Year over year: 1 January
up to today against 1 January of last year up to the same date. A change is in percent of the
earlier figure, rounded to 0.1, and null when the earlier figure is 0. Kilowatt has no
wallets or tariffs yet: top-ups and revenue are always null."""


class Figure(Schema):
    """One figure today, over the periods compared, over all time, and its changes."""

    today: int
    yesterday: int
    month: int = Field(description="This month up to today.")
    previous_month: int = Field(description="Last month up to the same day of the month.")
    year: int = Field(description="This year up to today.")
    previous_year: int = Field(description="Last year up to the same date.")
    cumulative: int = Field(description="Over all time.")
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
    top_ups: None = Field(default=None, description="Always null: no wallets yet.")
    revenue: None = Field(default=None, description="Always null: no tariffs yet.")


class PeriodOut(Schema):
    first: date
    last: date


class Periods(Schema):
    month: PeriodOut
    previous_month: PeriodOut
    year: PeriodOut
    previous_year: PeriodOut


class StationCounts(Schema):
    total: int
    online: int
    offline: int


class ConnectorCounts(Schema):
    """Connectors of offline stations count as offline whatever their last status; charging
    is Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing and Occupied; unavailable
    is Unavailable and Reserved; unknown: never reported."""

    total: int
    available: int
    charging: int
    faulted: int
    unavailable: int
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
    revenue: None = Field(default=None, description="Always null: no tariffs yet.")


class MonthlyOut(Schema):
    timezone: str
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


def summary_out(summary: Summary) -> SummaryOut:
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
        ),
        periods=Periods(
            month=PeriodOut(
                first=summary.month.current_period.first, last=summary.month.current_period.last
            ),
            previous_month=PeriodOut(
                first=summary.month.previous_period.first,
                last=summary.month.previous_period.last,
            ),
            year=PeriodOut(
                first=summary.year.current_period.first, last=summary.year.current_period.last
            ),
            previous_year=PeriodOut(
                first=summary.year.previous_period.first, last=summary.year.previous_period.last
            ),
        ),
        status=status_out(summary.status),
    )


def month_out(first: date, figures: Figures, drivers_counted: bool) -> MonthOut:
    return MonthOut(
        month=first.strftime("%Y-%m"),
        first_day=first,
        sessions=figures.sessions,
        energy_wh=figures.energy_wh,
        charging_seconds=figures.charging_seconds,
        new_drivers=figures.new_drivers if drivers_counted else None,
    )
