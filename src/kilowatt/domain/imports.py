"""Bulk import of sites and stations from a spreadsheet: the rows read, checked, and every
problem named by sheet, row and column.

Pure: the service reads the workbook into rows of cell values (``Table``) and passes them here,
then checks the result against what the database holds (``check_against``) before it writes
anything. The rules:

* Sites are created, never updated: a name that already exists in the organization (or twice
  in the file, ignoring case) is an error.
* A station names its site, from the same file or one that already exists.
* An OCPP identity is unique: in the file and in the whole system.
* The first row of each sheet holds the column headers (any order, unknown headers refused);
  empty rows are skipped; row numbers are the spreadsheet's own (the header is row 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import DomainError, InvalidInput
from kilowatt.domain.sites import check_coordinates, check_timezone
from kilowatt.domain.stations import (
    ConnectorSpec,
    ConnectorStandard,
    CurrentType,
    RegistrationStatus,
    check_identity,
)

SITES = "Sites"
STATIONS = "Stations"
MAX_ROWS = 5000
"""Data rows per sheet."""
MAX_BYTES = 5 * 1024 * 1024
MAX_CONNECTORS = 32
"""EVSEs a station row may declare."""

Table = Sequence[Sequence[object]]
"""A sheet's rows, the header row first; each row its cell values (None: empty)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""


SITE_COLUMNS = (
    Column("name", "Name", True, "Unique in your organization; at most 200 characters."),
    Column("timezone", "Time zone", False, "IANA name such as Europe/Helsinki; empty: UTC."),
    Column("address", "Address", False, "At most 300 characters."),
    Column("city", "City", False, "At most 120 characters."),
    Column("postal_code", "Postal code", False, "At most 20 characters."),
    Column("country", "Country", False, "Two letters (ISO 3166-1), such as FI."),
    Column("latitude", "Latitude", False, "-90 to 90, with Longitude."),
    Column("longitude", "Longitude", False, "-180 to 180, with Latitude."),
    Column("grid_capacity_kw", "Grid capacity (kW)", False, "Positive; empty: no limit."),
    Column("access", "Access", False, "public or private; empty: public."),
)

STATION_COLUMNS = (
    Column("ocpp_id", "OCPP identity", True, "1 to 48 letters, digits or . _ - ~ * + @ =."),
    Column("site", "Site", True, "The name of a site in this file or in your organization."),
    Column("name", "Name", False, "At most 200 characters."),
    Column(
        "registration_status",
        "Registration status",
        False,
        "Accepted, Pending or Rejected; empty: Accepted.",
    ),
    Column("access", "Access", False, "public or private; empty: as its site."),
    Column("connectors", "Connectors", False, f"0 to {MAX_CONNECTORS} EVSEs of one connector."),
    Column("current_type", "Current type", False, "AC or DC; empty: AC."),
    Column(
        "standard",
        "Connector standard",
        False,
        "Type2, CCS2, CHAdeMO...; empty: Type2 for AC, CCS2 for DC.",
    ),
    Column("max_power_kw", "Max power (kW)", False, "Per connector; positive; may be empty."),
)

COLUMNS = {SITES: SITE_COLUMNS, STATIONS: STATION_COLUMNS}


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column ``index``: A, B, ..., Z, AA, AB..."""
    if index < 0:
        raise ValueError("column indexes start at 0")
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of the column named ``letters`` (the inverse of column_letter)."""
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not a column name: {letters!r}")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: a sheet, a row (None: the whole sheet or file), a column."""

    sheet: str
    row: int | None
    message: str
    column: str | None = None
    """Its letter, such as C."""
    header: str | None = None

    def __str__(self) -> str:
        where = [f"Sheet {self.sheet}"] if self.sheet else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}" + (f" ({self.header})" if self.header else ""))
        return (", ".join(where) + ": " if where else "") + self.message


class ImportRefused(DomainError):
    """The file has problems: nothing of it was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class SiteRow:
    row: int
    name: str
    timezone: str = "UTC"
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    grid_capacity_w: int | None = None
    access: AccessMode = AccessMode.PUBLIC


@dataclass(frozen=True, slots=True)
class StationRow:
    row: int
    ocpp_id: str
    site: str
    name: str = ""
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED
    access: AccessMode | None = None
    connectors: tuple[ConnectorSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPlan:
    sites: tuple[SiteRow, ...] = ()
    stations: tuple[StationRow, ...] = ()

    @property
    def connector_count(self) -> int:
        return sum(len(s.connectors) for s in self.stations)


# Cells ------------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell's value is wrong; the message says how."""


def text(value: object) -> str:
    """A cell as text: empty for None, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decimal(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad("must be a number")
    if isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise _Bad("must be a number") from None
    else:
        raise _Bad("must be a number")
    if not number.is_finite():
        raise _Bad("must be a number")
    return number


def _float(value: object) -> float | None:
    number = _decimal(value)
    return None if number is None else float(number)


def _watts(value: object) -> int | None:
    """Kilowatts in the sheet, whole watts in the domain."""
    number = _decimal(value)
    if number is None:
        return None
    if number <= 0:
        raise _Bad("must be positive")
    watts = int((number * 1000).to_integral_value())
    if watts <= 0:
        raise _Bad("must be positive")
    if watts > 10**12:
        raise _Bad("is too large")
    return watts


def _count(value: object) -> int:
    number = _decimal(value)
    if number is None:
        return 0
    if number != number.to_integral_value():
        raise _Bad("must be a whole number")
    if not 0 <= number <= MAX_CONNECTORS:
        raise _Bad(f"must be between 0 and {MAX_CONNECTORS}")
    return int(number)


def _limited(length: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        result = text(value)
        if len(result) > length:
            raise _Bad(f"at most {length} characters")
        return result

    return parse


def _choice(options: Mapping[str, T], default: T) -> Callable[[object], T]:
    def parse(value: object) -> T:
        key = text(value).lower()
        if not key:
            return default
        if key not in options:
            raise _Bad("must be one of " + ", ".join(str(o) for o in options.values()))
        return options[key]

    return parse


_ACCESS = {mode.value.lower(): mode for mode in AccessMode}
_REGISTRATION = {status.value.lower(): status for status in RegistrationStatus}
_CURRENT = {kind.value.lower(): kind for kind in CurrentType}
_STANDARDS = {
    standard.value.lower(): standard.value
    for standard in ConnectorStandard
    if standard is not ConnectorStandard.UNKNOWN
}


def _country(value: object) -> str:
    code = text(value).upper()
    if code and (len(code) != 2 or not code.isascii() or not code.isalpha()):
        raise _Bad("two letters, such as FI")
    return code


def _timezone(value: object) -> str:
    name = text(value) or "UTC"
    try:
        return check_timezone(name)
    except InvalidInput:
        raise _Bad(f"unknown time zone {name!r}") from None


def _identity(value: object) -> str:
    identity = text(value)
    try:
        return check_identity(identity)
    except InvalidInput as error:
        raise _Bad(error.message) from None


# Sheets -----------------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One sheet being read: its header positions and the problems found so far."""

    name: str
    columns: tuple[Column, ...]
    problems: list[Problem]
    positions: dict[str, int] = field(default_factory=dict)

    def locate(self, header_row: Sequence[object]) -> bool:
        known = {c.header.lower(): c for c in self.columns}
        ok = True
        for index, value in enumerate(header_row):
            header = text(value).rstrip("*").strip()
            if not header:
                continue
            column = known.get(header.lower())
            if column is None:
                self.problems.append(
                    Problem(self.name, 1, f"unknown column {header!r}", column_letter(index))
                )
                ok = False
            elif column.key in self.positions:
                self.problems.append(
                    Problem(self.name, 1, f"column {header!r} appears twice", column_letter(index))
                )
                ok = False
            else:
                self.positions[column.key] = index
        for column in self.columns:
            if column.required and column.key not in self.positions:
                self.problems.append(
                    Problem(self.name, 1, f"the column {column.header!r} is missing")
                )
                ok = False
        return ok

    def where(self, key: str) -> tuple[str | None, str | None]:
        index = self.positions.get(key)
        header = next(c.header for c in self.columns if c.key == key)
        return (column_letter(index) if index is not None else None), header

    def problem(self, row: int, key: str, message: str) -> None:
        letter, header = self.where(key)
        self.problems.append(Problem(self.name, row, message, letter, header))

    def cell(self, values: Sequence[object], key: str) -> object:
        index = self.positions.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    def read(
        self, number: int, values: Sequence[object], key: str, parse: Callable[[object], T]
    ) -> T | None:
        """The parsed cell, or None with a problem recorded."""
        raw = self.cell(values, key)
        column = next(c for c in self.columns if c.key == key)
        if column.required and not text(raw):
            self.problem(number, key, "required")
            return None
        try:
            return parse(raw)
        except _Bad as bad:
            self.problem(number, key, str(bad))
            return None


def _rows(sheet: _Sheet, table: Table) -> list[tuple[int, Sequence[object]]]:
    """The data rows worth reading, with their spreadsheet numbers."""
    if not table:
        return []
    if not sheet.locate(table[0]):
        return []
    rows = [
        (number, values)
        for number, values in enumerate(table[1:], start=2)
        if any(text(v) for v in values)
    ]
    if len(rows) > MAX_ROWS:
        sheet.problems.append(
            Problem(sheet.name, None, f"{len(rows)} rows: at most {MAX_ROWS} per import")
        )
        return []
    return rows


def _site(sheet: _Sheet, number: int, values: Sequence[object]) -> SiteRow | None:
    before = len(sheet.problems)
    name = sheet.read(number, values, "name", _limited(200))
    timezone = sheet.read(number, values, "timezone", _timezone)
    address = sheet.read(number, values, "address", _limited(300))
    city = sheet.read(number, values, "city", _limited(120))
    postal_code = sheet.read(number, values, "postal_code", _limited(20))
    country = sheet.read(number, values, "country", _country)
    latitude = sheet.read(number, values, "latitude", _float)
    longitude = sheet.read(number, values, "longitude", _float)
    capacity = sheet.read(number, values, "grid_capacity_kw", _watts)
    access = sheet.read(number, values, "access", _choice(_ACCESS, AccessMode.PUBLIC))
    if len(sheet.problems) == before:
        if (latitude is None) != (longitude is None):
            missing = "latitude" if latitude is None else "longitude"
            sheet.problem(number, missing, "latitude and longitude go together")
        else:
            try:
                check_coordinates(latitude, longitude)
            except InvalidInput as error:
                sheet.problem(number, error.field, error.message)
    if len(sheet.problems) != before:
        return None
    assert name is not None
    assert timezone is not None
    assert access is not None
    return SiteRow(
        row=number,
        name=name,
        timezone=timezone,
        address=address or "",
        city=city or "",
        postal_code=postal_code or "",
        country=country or "",
        latitude=latitude,
        longitude=longitude,
        grid_capacity_w=capacity,
        access=access,
    )


def _station(sheet: _Sheet, number: int, values: Sequence[object]) -> StationRow | None:
    before = len(sheet.problems)
    ocpp_id = sheet.read(number, values, "ocpp_id", _identity)
    site = sheet.read(number, values, "site", _limited(200))
    name = sheet.read(number, values, "name", _limited(200))
    registration = sheet.read(
        number,
        values,
        "registration_status",
        _choice(_REGISTRATION, RegistrationStatus.ACCEPTED),
    )
    access = sheet.read(number, values, "access", _choice(_ACCESS, None))
    count = sheet.read(number, values, "connectors", _count)
    current = sheet.read(number, values, "current_type", _choice(_CURRENT, CurrentType.AC))
    standard = sheet.read(number, values, "standard", _choice(_STANDARDS, ""))
    power = sheet.read(number, values, "max_power_kw", _watts)
    if len(sheet.problems) != before:
        return None
    assert ocpp_id is not None
    assert site is not None
    assert registration is not None
    assert count is not None
    assert current is not None
    standard = standard or (
        ConnectorStandard.TYPE2.value if current is CurrentType.AC else ConnectorStandard.CCS2.value
    )
    connectors = tuple(
        ConnectorSpec(
            evse_id=evse,
            connector_id=1,
            current_type=current,
            standard=standard,
            max_power_w=power,
        )
        for evse in range(1, count + 1)
    )
    return StationRow(
        row=number,
        ocpp_id=ocpp_id,
        site=site,
        name=name or "",
        registration_status=registration,
        access=access,
        connectors=connectors,
    )


def _key(name: str) -> str:
    return name.strip().casefold()


def parse_workbook(sheets: Mapping[str, Table]) -> ImportPlan:
    """The rows of the "Sites" and "Stations" sheets checked one by one and against each
    other; ImportRefused with every problem found."""
    problems: list[Problem] = []
    if SITES not in sheets and STATIONS not in sheets:
        raise ImportRefused(
            [Problem("", None, f"the workbook has neither a {SITES!r} nor a {STATIONS!r} sheet")]
        )
    site_sheet = _Sheet(SITES, SITE_COLUMNS, problems)
    sites: list[SiteRow] = []
    first_row: dict[str, int] = {}
    for number, values in _rows(site_sheet, sheets.get(SITES, ())):
        site = _site(site_sheet, number, values)
        if site is None:
            continue
        key = _key(site.name)
        if key in first_row:
            site_sheet.problem(number, "name", f"the same name as row {first_row[key]}")
            continue
        first_row[key] = number
        sites.append(site)
    station_sheet = _Sheet(STATIONS, STATION_COLUMNS, problems)
    stations: list[StationRow] = []
    identities: dict[str, int] = {}
    for number, values in _rows(station_sheet, sheets.get(STATIONS, ())):
        station = _station(station_sheet, number, values)
        if station is None:
            continue
        if station.ocpp_id in identities:
            station_sheet.problem(
                number, "ocpp_id", f"the same OCPP identity as row {identities[station.ocpp_id]}"
            )
            continue
        identities[station.ocpp_id] = number
        stations.append(station)
    if problems:
        raise ImportRefused(problems)
    if not sites and not stations:
        raise ImportRefused([Problem("", None, "the workbook has no rows to import")])
    return ImportPlan(tuple(sites), tuple(stations))


@dataclass(frozen=True, slots=True)
class Known:
    """What the database already holds, as far as an import is concerned."""

    site_ids: Mapping[str, Sequence[int]]
    """Site names of the organization the caller can see (casefolded) and their ids."""
    taken_identities: frozenset[str]
    """OCPP identities of the plan that some station (of any organization) already uses."""
    may_create_sites: bool = True


def check_against(plan: ImportPlan, known: Known) -> dict[str, int | None]:
    """Where each station's site comes from: ``None`` for a site of the file, else the id of
    the existing site. ImportRefused when the plan clashes with the database."""
    problems: list[Problem] = []
    site_sheet = _Sheet(SITES, SITE_COLUMNS, problems)
    site_sheet.positions = {c.key: i for i, c in enumerate(SITE_COLUMNS)}
    station_sheet = _Sheet(STATIONS, STATION_COLUMNS, problems)
    station_sheet.positions = {c.key: i for i, c in enumerate(STATION_COLUMNS)}
    if plan.sites and not known.may_create_sites:
        problems.append(
            Problem(SITES, None, "you are limited to some sites and cannot create sites")
        )
    in_file = {_key(s.name) for s in plan.sites}
    for site in plan.sites:
        if known.site_ids.get(_key(site.name)):
            site_sheet.problem(site.row, "name", "a site with this name already exists")
    placement: dict[str, int | None] = {}
    for station in plan.stations:
        if station.ocpp_id in known.taken_identities:
            station_sheet.problem(station.row, "ocpp_id", "already used by another station")
        key = _key(station.site)
        existing = known.site_ids.get(key, ())
        if key in in_file:
            placement[station.ocpp_id] = None
        elif len(existing) == 1:
            placement[station.ocpp_id] = existing[0]
        elif existing:
            station_sheet.problem(
                station.row, "site", f"{len(existing)} sites are named {station.site!r}"
            )
        else:
            station_sheet.problem(
                station.row, "site", f"no site named {station.site!r} in this file or yours"
            )
    if problems:
        raise ImportRefused(problems)
    return placement


# Sorting problems for display ---------------------------------------------------------------


def ordered(problems: Sequence[Problem]) -> list[Problem]:
    """Sheet by sheet (Sites first), row by row, column by column."""
    sheet_order = {"": 0, SITES: 1, STATIONS: 2}
    return sorted(
        problems,
        key=lambda p: (
            sheet_order.get(p.sheet, 3),
            p.row or 0,
            column_index(p.column) if p.column else -1,
        ),
    )
