"""The import of sites and stations from a spreadsheet: every rule, and every problem named by
sheet, row and column (domain/imports.py, import_cells.py, import_sheets.py), plus the template
and the reading of .xlsx files (services/imports.py, without a database)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from kilowatt.domain.access import AccessMode
from kilowatt.domain.import_cells import column_index, column_letter, text
from kilowatt.domain.import_sheets import Problem
from kilowatt.domain.imports import (
    MAX_ROWS,
    SITE_COLUMNS,
    SITES,
    STATION_COLUMNS,
    STATIONS,
    ImportPlan,
    ImportRefused,
    Known,
    SiteRow,
    StationRow,
    check_against,
    ordered,
    parse_workbook,
)
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import CurrentType, RegistrationStatus
from kilowatt.services.imports import INSTRUCTIONS, read_workbook, template_workbook

SITE_HEADERS = [c.header for c in SITE_COLUMNS]
STATION_HEADERS = [c.header for c in STATION_COLUMNS]


def site(name: str = "Harbour", **cells: object) -> list[object]:
    values: dict[str, object] = {"name": name, "timezone": "Europe/Helsinki", **cells}
    return [values.get(c.key) for c in SITE_COLUMNS]


def station(ocpp_id: str = "HG-1", site_name: str = "Harbour", **cells: object) -> list[object]:
    values: dict[str, object] = {"ocpp_id": ocpp_id, "site": site_name, **cells}
    return [values.get(c.key) for c in STATION_COLUMNS]


def book(
    sites: Sequence[Sequence[object]] = (), stations: Sequence[Sequence[object]] = ()
) -> dict[str, list[Sequence[object]]]:
    return {SITES: [SITE_HEADERS, *sites], STATIONS: [STATION_HEADERS, *stations]}


def problems_of(sheets: dict[str, list[Sequence[object]]]) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        parse_workbook(sheets)
    return [str(p) for p in refused.value.problems]


# Column names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (2, "C"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ")]
)
def test_columns_are_named_as_spreadsheets_name_them(index: int, letters: str) -> None:
    assert column_letter(index) == letters
    assert column_index(letters) == index


@given(st.integers(min_value=0, max_value=20_000))
def test_column_letters_and_indexes_round_trip(index: int) -> None:
    assert column_index(column_letter(index)) == index


@pytest.mark.parametrize("bad", ["", "A1", "Ä", "-"])
def test_a_column_name_is_letters(bad: str) -> None:
    with pytest.raises(ValueError, match="column"):
        column_index(bad)


def test_a_problem_reads_sheet_row_column_and_header() -> None:
    problem = Problem(STATIONS, 7, "already used by another station", "A", "OCPP identity")
    assert str(problem) == (
        "Sheet Stations, row 7, column A (OCPP identity): already used by another station"
    )
    assert str(Problem(SITES, None, "too many")) == "Sheet Sites: too many"
    assert str(Problem("", None, "not a workbook")) == "not a workbook"


# Good files -------------------------------------------------------------------------------


def test_a_good_file_becomes_a_plan_with_every_value() -> None:
    plan = parse_workbook(
        book(
            [
                site(
                    " Harbour ",
                    address="Satamakatu 1",
                    city="Helsinki",
                    postal_code=160,
                    country="fi",
                    latitude=60.16,
                    longitude="24,95",
                    grid_capacity_kw=250.5,
                    access="Private",
                )
            ],
            [
                station(
                    "HG-1",
                    "harbour",
                    name="Level 1",
                    registration_status="pending",
                    access="public",
                    connectors=2,
                    current_type="dc",
                    max_power_kw="150",
                    security_profile=0,
                ),
                station("HG-2"),
            ],
        )
    )
    assert plan.sites == (
        SiteRow(
            row=2,
            name="Harbour",
            timezone="Europe/Helsinki",
            address="Satamakatu 1",
            city="Helsinki",
            postal_code="160",
            country="FI",
            latitude=60.16,
            longitude=24.95,
            grid_capacity_w=250_500,
            access=AccessMode.PRIVATE,
        ),
    )
    first, second = plan.stations
    assert first.row == 2
    assert first.site == "harbour"
    assert first.registration_status is RegistrationStatus.PENDING
    assert first.access is AccessMode.PUBLIC
    assert [(c.evse_id, c.connector_id) for c in first.connectors] == [(1, 1), (2, 1)]
    assert {(c.current_type, c.standard, c.max_power_w) for c in first.connectors} == {
        (CurrentType.DC, "CCS2", 150_000)
    }
    assert first.security_profile is SecurityProfile.NONE  # only when the row says so
    assert second == StationRow(row=3, ocpp_id="HG-2", site="Harbour")
    assert second.security_profile is SecurityProfile.BASIC  # the default: a password
    assert plan.connector_count == 2


def test_headers_may_come_in_any_order_and_case_and_blank_rows_are_skipped() -> None:
    headers = ["site", "OCPP IDENTITY *", None, "Connectors"]
    plan = parse_workbook(
        {STATIONS: [headers, [None, None, None, None], ["Depot", "D-1", "x", 1], []]}
    )
    assert plan.stations[0].ocpp_id == "D-1"
    assert plan.stations[0].row == 3
    assert plan.stations[0].connectors[0].standard == "Type2"
    assert plan.sites == ()


def test_an_empty_timezone_is_utc_and_empty_access_is_public() -> None:
    plan = parse_workbook(book([site("A", timezone=None)]))
    assert plan.sites[0].timezone == "UTC"
    assert plan.sites[0].access is AccessMode.PUBLIC


# Bad cells: each one named by row and column ---------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"name": None}, "Sheet Sites, row 2, column A (Name): required"),
        ({"name": "x" * 201}, "Sheet Sites, row 2, column A (Name): at most 200 characters"),
        ({"timezone": "Mars/Olympus"}, "column B (Time zone): unknown time zone 'Mars/Olympus'"),
        ({"country": "FIN"}, "column F (Country): two letters, such as FI"),
        ({"latitude": 91, "longitude": 0}, "column G (Latitude): must be between -90 and 90"),
        ({"latitude": 0, "longitude": 181}, "column H (Longitude): must be between -180 and 180"),
        ({"latitude": 60}, "column H (Longitude): latitude and longitude go together"),
        ({"longitude": 24}, "column G (Latitude): latitude and longitude go together"),
        ({"latitude": "north"}, "column G (Latitude): must be a number"),
        ({"grid_capacity_kw": 0}, "column I (Grid capacity (kW)): must be positive"),
        ({"grid_capacity_kw": -5}, "column I (Grid capacity (kW)): must be positive"),
        ({"access": "members"}, "column J (Access): must be one of public, private"),
        ({"postal_code": "1" * 21}, "column E (Postal code): at most 20 characters"),
    ],
)
def test_a_bad_site_cell_is_named(cells: dict[str, object], expected: str) -> None:
    values = {"name": "Harbour", **cells}
    name = values.pop("name")
    problems = problems_of(book([site(name, **values)]))  # type: ignore[arg-type]
    assert len(problems) == 1, problems
    assert problems[0].startswith("Sheet Sites, row 2, ")
    assert problems[0].endswith(expected.split(", row 2, ")[-1])


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"ocpp_id": None}, "column A (OCPP identity): required"),
        ({"ocpp_id": "has space"}, "column A (OCPP identity): 1 to 48 characters"),
        ({"ocpp_id": "x" * 49}, "column A (OCPP identity): 1 to 48 characters"),
        ({"site": None}, "column B (Site): required"),
        ({"registration_status": "Maybe"}, "column D (Registration status): must be one of"),
        ({"access": "open"}, "column E (Access): must be one of public, private"),
        ({"connectors": 2.5}, "column F (Connectors): must be a whole number"),
        ({"connectors": 33}, "column F (Connectors): must be between 0 and 32"),
        ({"connectors": "two"}, "column F (Connectors): must be a number"),
        ({"current_type": "3-phase"}, "column G (Current type): must be one of AC, DC"),
        ({"standard": "Type9"}, "column H (Connector standard): must be one of Type1"),
        ({"max_power_kw": "-22"}, "column I (Max power (kW)): must be positive"),
        ({"max_power_kw": True}, "column I (Max power (kW)): must be a number"),
        ({"security_profile": 4}, "column J (Security profile): must be one of 0, 1, 2, 3"),
        ({"security_profile": "none"}, "column J (Security profile): must be one of 0, 1"),
    ],
)
def test_a_bad_station_cell_is_named(cells: dict[str, object], expected: str) -> None:
    values: dict[str, object] = {"ocpp_id": "HG-1", "site": "Harbour", **cells}
    ocpp_id, site_name = values.pop("ocpp_id"), values.pop("site")
    problems = problems_of(
        book([site()], [station(ocpp_id, site_name, **values)])  # type: ignore[arg-type]
    )
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"Sheet Stations, row 2, {expected}")


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    problems = problems_of(
        book(
            [site("A"), site("", timezone="Nowhere")],
            [station("S-1", "A"), station("bad id", "A"), station("S-3", "A", connectors=-1)],
        )
    )
    assert problems == [
        "Sheet Sites, row 3, column A (Name): required",
        "Sheet Sites, row 3, column B (Time zone): unknown time zone 'Nowhere'",
        "Sheet Stations, row 3, column A (OCPP identity): "
        "1 to 48 characters: letters, digits and . _ - ~ * + @ = (not only dots)",
        "Sheet Stations, row 4, column F (Connectors): must be between 0 and 32",
    ]


def test_duplicates_in_the_file_name_the_first_row() -> None:
    problems = problems_of(
        book(
            [site("Depot"), site("depot ")],
            [station("S-1", "Depot"), station("S-2", "Depot"), station("S-1", "Depot")],
        )
    )
    assert problems == [
        "Sheet Sites, row 3, column A (Name): the same name as row 2",
        "Sheet Stations, row 4, column A (OCPP identity): the same OCPP identity as row 2",
    ]


def test_headers_are_checked() -> None:
    problems = problems_of(
        {SITES: [["Name", "Colour", "Name"]], STATIONS: [["OCPP identity"], ["X-1"]]}
    )
    assert problems == [
        "Sheet Sites, row 1, column B: unknown column 'Colour'",
        "Sheet Sites, row 1, column C: column 'Name' appears twice",
        "Sheet Stations, row 1: the column 'Site' is missing",
    ]


def test_a_workbook_without_the_sheets_or_rows_is_refused() -> None:
    assert problems_of({"Sheet1": [["a"]]}) == [
        "the workbook has neither a 'Sites' nor a 'Stations' sheet"
    ]
    assert problems_of(book()) == ["the workbook has no rows to import"]


def test_too_many_rows_are_refused_without_reading_them() -> None:
    rows = [site(f"S{i}") for i in range(MAX_ROWS + 1)]
    assert problems_of(book(rows)) == [
        f"Sheet Sites: {MAX_ROWS + 1} rows: at most {MAX_ROWS} per import"
    ]


# Against the database -------------------------------------------------------------------------


def plan_of(sites: Sequence[Sequence[object]], stations: Sequence[Sequence[object]]) -> ImportPlan:
    return parse_workbook(book(sites, stations))


def test_stations_find_their_site_in_the_file_or_the_database() -> None:
    plan = plan_of([site("New")], [station("S-1", "new"), station("S-2", "Old")])
    placement = check_against(plan, Known({"old": [7]}, frozenset()))
    assert placement == {"S-1": None, "S-2": 7}


def test_clashes_with_the_database_are_named() -> None:
    plan = plan_of(
        [site("Old"), site("New")],
        [station("S-1", "New"), station("TAKEN", "New"), station("S-3", "Nowhere")],
    )
    with pytest.raises(ImportRefused) as refused:
        check_against(plan, Known({"old": [1], "twice": [2, 3]}, frozenset({"TAKEN"})))
    assert [str(p) for p in ordered(refused.value.problems)] == [
        "Sheet Sites, row 2, column A (Name): a site with this name already exists",
        "Sheet Stations, row 3, column A (OCPP identity): already used by another station",
        "Sheet Stations, row 4, column B (Site): no site named 'Nowhere' in this file or yours",
    ]
    ambiguous = plan_of([], [station("S-9", "Twice")])
    with pytest.raises(ImportRefused, match="2 sites are named 'Twice'"):
        check_against(ambiguous, Known({"twice": [2, 3]}, frozenset()))


def test_a_caller_limited_to_some_sites_cannot_create_sites() -> None:
    plan = plan_of([site("New")], [])
    with pytest.raises(ImportRefused, match="limited to some sites"):
        check_against(plan, Known({}, frozenset(), may_create_sites=False))
    only_stations = plan_of([], [station("S-1", "Mine")])
    assert check_against(only_stations, Known({"mine": [4]}, frozenset(), False)) == {"S-1": 4}


# Cells of any kind --------------------------------------------------------------------------


@given(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=False)))
def test_any_cell_reads_as_text(value: object) -> None:
    assert isinstance(text(value), str)


@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats(), st.booleans()),
            max_size=12,
        ),
        max_size=8,
    )
)
def test_any_rows_give_a_plan_or_named_problems(rows: list[list[object]]) -> None:
    """Whatever the cells hold, the answer is a plan or problems, never a crash."""
    problems: list[Problem] = []
    try:
        parse_workbook(book(rows, rows))
    except ImportRefused as refused:
        problems = refused.problems
    for problem in problems:
        assert problem.sheet in {SITES, STATIONS, ""}
        assert problem.row is None or problem.row >= 1
        assert problem.message


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ]{0,20}", fullmatch=True),
            st.sampled_from(["UTC", "Europe/Helsinki", "Asia/Shanghai"]),
            st.one_of(st.none(), st.floats(min_value=0.001, max_value=10_000)),
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda t: t[0].strip().casefold(),
    )
)
def test_sites_written_to_an_xlsx_read_back_as_written(
    rows: list[tuple[str, str, float | None]],
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SITES
    sheet.append(SITE_HEADERS)
    for name, timezone, capacity in rows:
        sheet.append(site(name, timezone=timezone, grid_capacity_kw=capacity))
    out = io.BytesIO()
    workbook.save(out)
    plan = parse_workbook(read_workbook(out.getvalue()))
    assert [(s.name, s.timezone) for s in plan.sites] == [(n.strip(), t) for n, t, _ in rows]
    for (_, _, capacity), parsed in zip(rows, plan.sites, strict=True):
        if capacity is None:
            assert parsed.grid_capacity_w is None
        else:
            assert parsed.grid_capacity_w is not None
            assert abs(parsed.grid_capacity_w - capacity * 1000) <= 1


# The workbook itself ----------------------------------------------------------------------------


def test_the_template_has_its_sheets_headers_and_lists() -> None:
    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert workbook.sheetnames == [INSTRUCTIONS, SITES, STATIONS]
    assert [c.value for c in workbook[SITES][1]] == SITE_HEADERS
    assert [c.value for c in workbook[STATIONS][1]] == STATION_HEADERS
    assert workbook[SITES].max_row == 1  # no example rows in the sheets themselves
    assert workbook[STATIONS].max_row == 1
    validations = workbook[STATIONS].data_validations.dataValidation
    lists = {str(v.sqref): v.formula1 for v in validations}
    assert lists["D2:D5001"] == '"Accepted,Pending,Rejected"'
    assert lists["G2:G5001"] == '"AC,DC"'
    explained = {row[2] for row in workbook[INSTRUCTIONS].iter_rows(values_only=True)}
    assert set(SITE_HEADERS) | set(STATION_HEADERS) <= explained
    # The empty template imports nothing, and says so.
    with pytest.raises(ImportRefused, match="no rows to import"):
        parse_workbook(read_workbook(template_workbook()))


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(ImportRefused, match=r"not an Excel workbook \(.xlsx\)"):
        read_workbook(b"name,timezone\nHarbour,UTC\n")


def test_a_file_over_the_size_limit_is_refused() -> None:
    with pytest.raises(ImportRefused, match="larger than 5 MB"):
        read_workbook(b"\0" * (5 * 1024 * 1024 + 1))
