"""Sessions as rows: export cells, formats, the formula guard, time zones and meter curves."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.exports import (
    HEADERS,
    SessionRow,
    csv_cell,
    csv_cells,
    curves,
    day_bounds,
    energy_base,
    export_row,
    format_duration,
    format_kwh,
    guard_text,
    kwh,
    local,
    point_count,
    xlsx_cell,
    zone_of,
)
from kilowatt.domain.metering import MeterRecord, SampledValue
from kilowatt.domain.transactions import Transaction, TransactionState

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _transaction(**changes: object) -> Transaction:
    fields: dict[str, object] = {
        "organization_id": 1,
        "station_id": 2,
        "evse_id": 1,
        "connector_id": 1,
        "id_tag": "TAG1",
        "start_time": START,
        "meter_start_wh": 1_000,
        "state": TransactionState.COMPLETED,
        "created_at": START,
        "updated_at": START,
        "stop_time": START + timedelta(hours=1, minutes=5),
        "meter_stop_wh": 8_500,
        "energy_wh": 7_500,
        "stop_reason": "Local",
        "id": 42,
    }
    fields.update(changes)
    return Transaction(**fields)  # type: ignore[arg-type]


def _row(transaction: Transaction | None = None, **changes: object) -> SessionRow:
    fields: dict[str, object] = {
        "transaction": transaction or _transaction(),
        "station_ocpp_id": "CP-1",
        "station_name": "North",
        "site_name": "Depot",
        "timezone": "Europe/Helsinki",
        "driver_name": "Ann",
    }
    fields.update(changes)
    return SessionRow(**fields)  # type: ignore[arg-type]


def test_a_row_holds_every_column_in_the_order_of_the_headers() -> None:
    cells = dict(zip(HEADERS, export_row(_row()), strict=True))
    assert cells["Transaction"] == 42
    assert cells["Station"] == "CP-1"
    assert cells["Station name"] == "North"
    assert cells["Site"] == "Depot"
    assert cells["Token"] == "TAG1"
    assert cells["Driver"] == "Ann"
    assert cells["State"] == "completed"
    # Helsinki is UTC+2 in March: 10:00 UTC is 12:00 there, and the zone is named.
    assert cells["Start"] == datetime(2026, 3, 1, 12, 0)
    assert cells["Stop"] == datetime(2026, 3, 1, 13, 5)
    assert cells["Time zone"] == "Europe/Helsinki"
    assert cells["Duration (h:mm)"] == "1:05"
    assert cells["Energy (Wh)"] == 7_500
    assert cells["Energy (kWh)"] == Decimal("7.500")
    assert cells["Stop reason"] == "Local"


def test_a_running_session_has_its_energy_so_far_and_no_stop() -> None:
    running = _transaction(
        state=TransactionState.ACTIVE,
        stop_time=None,
        meter_stop_wh=None,
        energy_wh=None,
        stop_reason=None,
        last_meter_wh=3_250,
    )
    cells = dict(zip(HEADERS, export_row(_row(running)), strict=True))
    assert cells["Energy (Wh)"] == 2_250
    assert cells["Stop"] is None
    assert cells["Duration (h:mm)"] == ""
    assert cells["State"] == "active"


def test_summer_time_moves_the_local_time() -> None:
    summer = _transaction(start_time=datetime(2026, 7, 1, 10, 0, tzinfo=UTC), stop_time=None)
    cells = dict(zip(HEADERS, export_row(_row(summer)), strict=True))
    assert cells["Start"] == datetime(2026, 7, 1, 13, 0)


def test_an_unknown_zone_falls_back_to_utc() -> None:
    assert zone_of("Mars/Olympus") == ZoneInfo("UTC")
    assert zone_of(None) == ZoneInfo("UTC")
    assert local(START, zone_of("")) == datetime(2026, 3, 1, 10, 0)


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (None, ""),
        (timedelta(0), "0:00"),
        (timedelta(minutes=59, seconds=59), "0:59"),
        (timedelta(hours=1, minutes=5), "1:05"),
        (timedelta(hours=27, minutes=30), "27:30"),
    ],
)
def test_durations_are_hours_and_minutes(span: timedelta | None, shown: str) -> None:
    assert format_duration(span) == shown


def test_energy_is_kwh_with_three_decimals() -> None:
    assert kwh(1) == Decimal("0.001")
    assert kwh(1_234_567) == Decimal("1234.567")
    assert kwh(None) is None
    assert format_kwh(1_234_567) == "1,234.567"
    assert format_kwh(0) == "0.000"
    assert format_kwh(None) == "—"


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK()"])
def test_a_text_a_spreadsheet_would_run_is_made_plain(text: str) -> None:
    assert guard_text(text) == "'" + text
    assert csv_cell(text) == "'" + text
    assert xlsx_cell(text) == "'" + text


def test_numbers_and_ordinary_texts_are_left_alone() -> None:
    assert csv_cell(-5) == "-5"
    assert xlsx_cell(-5) == -5
    assert csv_cell("TAG-1") == "TAG-1"
    assert csv_cell(None) == ""
    assert csv_cell(datetime(2026, 3, 1, 12, 0, 5)) == "2026-03-01 12:00:05"
    assert xlsx_cell(Decimal("7.500")) == 7.5


def test_a_token_that_looks_like_a_formula_is_exported_as_text() -> None:
    cells = csv_cells(export_row(_row(_transaction(id_tag="=cmd|'/c calc'!A1"))))
    assert cells[HEADERS.index("Token")] == "'=cmd|'/c calc'!A1"


@given(st.text())
def test_csv_cells_survive_a_round_trip_and_never_start_a_formula(text: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(text), "end"])
    [read] = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert read[1] == "end"
    assert read[0] in (text, "'" + text)
    assert not read[0].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_day_bounds_are_local_midnights() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    start, end = day_bounds(date(2026, 3, 1), date(2026, 3, 1), helsinki)
    assert start == datetime(2026, 2, 28, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    # The day summer time begins has 23 hours.
    start, end = day_bounds(date(2026, 3, 29), date(2026, 3, 29), helsinki)
    assert start is not None
    assert end is not None
    assert end - start == timedelta(hours=23)
    assert day_bounds(None, None, helsinki) == (None, None)


def _reading(
    minute: int, measurand: str, value: float, phase: str | None = None, location: str | None = None
) -> MeterRecord:
    return MeterRecord(
        2,
        1,
        1,
        42,
        SampledValue(
            timestamp=START + timedelta(minutes=minute),
            measurand=measurand,
            value=value,
            unit="",
            phase=phase,
            location=location,
        ),
    )


def test_curves_group_readings_by_chart_and_phase_in_time_order() -> None:
    series = curves(
        [
            _reading(10, "Power.Active.Import", 7_400),
            _reading(0, "Power.Active.Import", 3_700),
            _reading(0, "Voltage", 231.5, "L1"),
            _reading(0, "Voltage", 229.0, "L2"),
            _reading(0, "Current.Import", 16, "L1"),
            _reading(0, "Energy.Active.Import.Register", 1_000),
            _reading(10, "Energy.Active.Import.Register", 2_234),
            _reading(0, "SoC", 55),
            _reading(0, "Power.Active.Import", 1, location="EV"),
        ]
    )
    at = START.timestamp() * 1000
    assert series["power"] == {
        "Power.Active.Import": [[at, 3.7], [at + 600_000, 7.4]],
    }
    assert set(series["voltage"]) == {"Voltage L1", "Voltage L2"}
    assert series["current"] == {"Current.Import L1": [[at, 16]]}
    # the session's energy, from its first reading: not the register's lifetime count
    assert series["energy"]["Energy.Active.Import.Register"] == [[at, 0.0], [at + 600_000, 1.234]]
    assert point_count(series) == 7


def test_the_energy_curve_counts_from_the_session_s_meter_start() -> None:
    readings = [
        _reading(1, "Energy.Active.Import.Register", 4_050_900),
        _reading(5, "Energy.Active.Import.Register", 4_052_428),
    ]
    at = START.timestamp() * 1000
    series = curves(readings, meter_start_wh=4_050_428)
    assert series["energy"]["Energy.Active.Import.Register"] == [
        [at + 60_000, 0.472],
        [at + 300_000, 2.0],
    ]
    assert energy_base(readings, 4_050_428) == 4_050_428
    # a meter start above the readings (a replaced meter) counts from the first reading
    assert energy_base(readings, 9_000_000) == 4_050_900
    assert energy_base([], None) == 0.0


def test_each_phase_s_register_counts_from_its_own_first_reading() -> None:
    series = curves(
        [
            _reading(0, "Energy.Active.Import.Register", 500, "L1"),
            _reading(3, "Energy.Active.Import.Register", 800, "L1"),
        ],
        meter_start_wh=10_000,
    )
    assert [v for _, v in series["energy"]["Energy.Active.Import.Register L1"]] == [0.0, 0.3]


def test_no_readings_no_points() -> None:
    series = curves([])
    assert point_count(series) == 0
    assert set(series) == {"power", "voltage", "current", "energy"}
