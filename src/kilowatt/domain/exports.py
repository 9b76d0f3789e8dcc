"""Charging sessions as rows: for the dashboard's list, its exports (CSV, XLSX) and the curves
of one session's meter values.

Times are shown in the site's own time zone (named beside them); energy is integer Wh in an
export (plus a kWh column) and kWh with three decimals on a page; durations are h:mm. A text
cell that a spreadsheet would take for a formula (it starts with = + - @, a tab or a carriage
return) is quoted with a leading apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.metering import (
    CURRENT_IMPORT,
    ENERGY_REGISTER,
    POWER_IMPORT,
    VOLTAGE,
    MeterRecord,
)
from kilowatt.domain.transactions import Transaction, live_energy_wh

MAX_EXPORT_ROWS = 100_000
"""An export holds at most this many sessions; beyond, the caller narrows the filter."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | datetime | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session with the names a reader wants beside it, fetched in one query."""

    transaction: Transaction
    station_ocpp_id: str
    station_name: str = ""
    site_id: int | None = None
    site_name: str = ""
    timezone: str = "UTC"
    driver_id: int | None = None
    driver_name: str = ""

    @property
    def id(self) -> int:
        assert self.transaction.id is not None
        return self.transaction.id

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.timezone)

    @property
    def energy_wh(self) -> int | None:
        return live_energy_wh(self.transaction)


def zone_of(name: str | None) -> ZoneInfo:
    """The named zone; UTC for none or an unknown one (a site's zone is checked when set)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """``moment`` (UTC-aware) as the wall-clock time of ``zone``, without a zone attached:
    what a spreadsheet shows."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(tzinfo=None)


def format_local(moment: datetime | None, zone: ZoneInfo) -> str:
    shown = local(moment, zone)
    return shown.strftime("%Y-%m-%d %H:%M:%S") if shown is not None else ""


def duration(start: datetime, stop: datetime | None) -> timedelta | None:
    if stop is None or stop < start:
        return None
    return stop - start


def format_duration(span: timedelta | None) -> str:
    """h:mm (hours may exceed 24); empty when unknown."""
    if span is None:
        return ""
    minutes = int(span.total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def kwh(wh: int | None) -> Decimal | None:
    """Wh as kWh with three decimals."""
    if wh is None:
        return None
    return (Decimal(wh) / 1000).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def format_kwh(wh: int | None) -> str:
    value = kwh(wh)
    return f"{value:,.3f}" if value is not None else "—"


def day_bounds(
    first: date | None, last: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The UTC instants that bound the local days ``first`` to ``last`` (both included):
    [start of ``first``, start of the day after ``last``)."""
    start = datetime.combine(first, time(), zone).astimezone(UTC) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC) if last else None
    return start, end


# Exports ------------------------------------------------------------------------------------

HEADERS: tuple[str, ...] = (
    "Transaction",
    "Station",
    "Station name",
    "Site",
    "EVSE",
    "Connector",
    "Token",
    "Driver",
    "State",
    "Start",
    "Stop",
    "Time zone",
    "Duration (h:mm)",
    "Energy (Wh)",
    "Energy (kWh)",
    "Stop reason",
    "Flags",
)


def export_row(row: SessionRow) -> list[Cell]:
    """One session's cells, in the order of HEADERS: times as site-local wall-clock times."""
    tx = row.transaction
    zone = row.zone
    energy = row.energy_wh
    return [
        row.id,
        row.station_ocpp_id,
        row.station_name,
        row.site_name,
        tx.evse_id,
        tx.connector_id,
        tx.id_tag,
        row.driver_name,
        tx.state.value,
        local(tx.start_time, zone),
        local(tx.stop_time, zone),
        row.timezone,
        format_duration(duration(tx.start_time, tx.stop_time)),
        energy,
        kwh(energy),
        tx.stop_reason or "",
        " ".join(tx.flags),
    ]


def guard_text(text: str) -> str:
    """A text a spreadsheet would run as a formula, made plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return guard_text(value)
    return str(value)


def csv_cells(cells: Sequence[Cell]) -> list[str]:
    return [csv_cell(value) for value in cells]


def xlsx_cell(value: Cell) -> str | int | float | datetime | None:
    """A value openpyxl writes as what it is: numbers as numbers, times as dates, texts never
    as formulas."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return guard_text(value)
    return value


def xlsx_cells(cells: Sequence[Cell]) -> list[Any]:
    return [xlsx_cell(value) for value in cells]


# Curves of one session -----------------------------------------------------------------------

CURVES: dict[str, tuple[str, ...]] = {
    "power": (POWER_IMPORT,),
    "voltage": (VOLTAGE,),
    "current": (CURRENT_IMPORT,),
    "energy": (ENERGY_REGISTER,),
}
"""Chart → the measurands drawn on it."""

SCALE = {"power": 1 / 1000, "energy": 1 / 1000}
"""Stored unit → shown unit: W → kW, Wh → kWh; V and A as stored."""


def series_key(measurand: str, phase: str | None) -> str:
    return f"{measurand} {phase}" if phase else measurand


def measurand_curve(measurand: str) -> str | None:
    for curve, measurands in CURVES.items():
        if measurand in measurands:
            return curve
    return None


def energy_base(records: Iterable[MeterRecord], meter_start_wh: int | None) -> float:
    """The energy register's reading (Wh) the session's energy counts from: its meter start
    when the readings do not go below it, else the session's first reading of the register
    (a 2.0.1 session reports no meter start; a meter replaced under way starts lower)."""
    readings = sorted(
        (r.sample.timestamp, r.sample.value)
        for r in records
        if r.sample.measurand in CURVES["energy"]
        and r.sample.value is not None
        and r.sample.location in (None, "", "Outlet")
        and r.sample.phase in (None, "")
    )
    lowest = min((value for _, value in readings), default=None)
    if meter_start_wh is not None and (lowest is None or lowest >= meter_start_wh):
        return float(meter_start_wh)
    return readings[0][1] if readings else 0.0


def curves(
    records: Iterable[MeterRecord], meter_start_wh: int | None = None
) -> dict[str, dict[str, list[list[float]]]]:
    """Chart → series (measurand and phase) → [[epoch milliseconds, value]], in time order;
    power in kW, and energy in kWh of the session (the register's reading less
    ``energy_base``), not the meter's lifetime count. Readings outside the meter's own
    location (Outlet is what the car gets; EV or Inlet are other meters) are left out when
    the outlet is there too."""
    records = list(records)
    found: dict[str, dict[str, list[tuple[datetime, float]]]] = {name: {} for name in CURVES}
    for record in records:
        sample = record.sample
        curve = measurand_curve(sample.measurand)
        if curve is None or sample.value is None:
            continue
        if sample.location not in (None, "", "Outlet"):
            continue
        points = found[curve].setdefault(series_key(sample.measurand, sample.phase), [])
        points.append((sample.timestamp, sample.value))
    base = energy_base(records, meter_start_wh)
    shown: dict[str, dict[str, list[list[float]]]] = {}
    for curve, series in found.items():
        scale = SCALE.get(curve, 1.0)
        shown[curve] = {}
        for name, points in series.items():
            points.sort()
            # a phase's own register counts from its first reading of the session
            start = (base if name in CURVES["energy"] else points[0][1]) if curve == "energy" else 0
            shown[curve][name] = [
                [at.timestamp() * 1000, round(max(0.0, value - start) * scale, 3)]
                if curve == "energy"
                else [at.timestamp() * 1000, round(value * scale, 3)]
                for at, value in points
            ]
    return shown


def point_count(series: dict[str, dict[str, list[list[float]]]]) -> int:
    return sum(len(points) for by_name in series.values() for points in by_name.values())
