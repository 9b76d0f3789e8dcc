"""Bulk import of sites and stations from a spreadsheet: the rows read, checked, and every
problem named by sheet, row and column.

Pure: the service reads the workbook into rows of cell values (``Table``) and passes them here,
then checks the result against what the database holds (``check_against``) before it writes
anything. The rules:

* Sites are created, never updated: a name that already exists in the organization (or twice
  in the file, ignoring case) is an error.
* A station names its site, from the same file or one that already exists.
* An OCPP identity is unique: in the file and in the whole system.
* A station gets security profile 1 (a password, generated at the import) unless its row
  says otherwise; profile 0 (no authentication) only when a row says 0.
* The first row of each sheet holds the column headers (any order, unknown headers refused);
  empty rows are skipped; row numbers are the spreadsheet's own (the header is row 1).

A cell's value is read in import_cells.py; a sheet's header row located, and problems named by
sheet, row and column, in import_sheets.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kilowatt.domain import import_cells as cells
from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import DomainError, InvalidInput
from kilowatt.domain.import_cells import column_index, text
from kilowatt.domain.import_sheets import Column, Problem, Sheet
from kilowatt.domain.sites import check_coordinates
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import (
    ConnectorSpec,
    ConnectorStandard,
    CurrentType,
    RegistrationStatus,
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
    Column(
        "security_profile",
        "Security profile",
        False,
        "1 (a password, shown once after the import), 2 (TLS and a password), 3 (a client "
        "certificate) or 0 (no authentication: anyone who knows the identity can connect as "
        "the station; closed networks only); empty: 1.",
    ),
)

COLUMNS = {SITES: SITE_COLUMNS, STATIONS: STATION_COLUMNS}


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
    security_profile: SecurityProfile = SecurityProfile.BASIC


@dataclass(frozen=True, slots=True)
class ImportPlan:
    sites: tuple[SiteRow, ...] = ()
    stations: tuple[StationRow, ...] = ()

    @property
    def connector_count(self) -> int:
        return sum(len(s.connectors) for s in self.stations)


def _rows(sheet: Sheet, table: Table) -> list[tuple[int, Sequence[object]]]:
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


def _site(sheet: Sheet, number: int, values: Sequence[object]) -> SiteRow | None:
    before = len(sheet.problems)
    name = sheet.read(number, values, "name", cells.limited(200))
    timezone = sheet.read(number, values, "timezone", cells.timezone)
    address = sheet.read(number, values, "address", cells.limited(300))
    city = sheet.read(number, values, "city", cells.limited(120))
    postal_code = sheet.read(number, values, "postal_code", cells.limited(20))
    country = sheet.read(number, values, "country", cells.country)
    latitude = sheet.read(number, values, "latitude", cells.real)
    longitude = sheet.read(number, values, "longitude", cells.real)
    capacity = sheet.read(number, values, "grid_capacity_kw", cells.power)
    access = sheet.read(number, values, "access", cells.choice(cells.ACCESS, AccessMode.PUBLIC))
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


def _station(sheet: Sheet, number: int, values: Sequence[object]) -> StationRow | None:
    before = len(sheet.problems)
    ocpp_id = sheet.read(number, values, "ocpp_id", cells.identity)
    site = sheet.read(number, values, "site", cells.limited(200))
    name = sheet.read(number, values, "name", cells.limited(200))
    registration = sheet.read(
        number,
        values,
        "registration_status",
        cells.choice(cells.REGISTRATION, RegistrationStatus.ACCEPTED),
    )
    access = sheet.read(number, values, "access", cells.choice(cells.ACCESS, None))
    count = sheet.read(number, values, "connectors", cells.count(MAX_CONNECTORS))
    current = sheet.read(
        number, values, "current_type", cells.choice(cells.CURRENT, CurrentType.AC)
    )
    standard = sheet.read(number, values, "standard", cells.choice(cells.STANDARDS, ""))
    power = sheet.read(number, values, "max_power_kw", cells.power)
    profile = sheet.read(
        number, values, "security_profile", cells.choice(cells.PROFILES, SecurityProfile.BASIC)
    )
    if len(sheet.problems) != before:
        return None
    assert profile is not None
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
        security_profile=profile,
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
    site_sheet = Sheet(SITES, SITE_COLUMNS, problems)
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
    station_sheet = Sheet(STATIONS, STATION_COLUMNS, problems)
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
    site_sheet = Sheet(SITES, SITE_COLUMNS, problems)
    site_sheet.positions = {c.key: i for i, c in enumerate(SITE_COLUMNS)}
    station_sheet = Sheet(STATIONS, STATION_COLUMNS, problems)
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
