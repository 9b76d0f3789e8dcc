"""Bulk import of sites and stations from an Excel workbook, as one unit of work: every row is
checked first (domain/imports.py), then everything is written together, or nothing is."""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from kilowatt.domain.access import AccessMode
from kilowatt.domain.import_cells import column_letter
from kilowatt.domain.import_sheets import Problem
from kilowatt.domain.imports import (
    COLUMNS,
    MAX_BYTES,
    MAX_CONNECTORS,
    MAX_ROWS,
    SITE_COLUMNS,
    SITES,
    STATION_COLUMNS,
    STATIONS,
    ImportPlan,
    ImportRefused,
    Known,
    Table,
    check_against,
    parse_workbook,
)
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.sites import Site
from kilowatt.domain.station_security import SecurityProfile, authorization_key
from kilowatt.domain.stations import (
    Connector,
    ConnectorStandard,
    CurrentType,
    RegistrationStatus,
    Station,
)
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.station_security import StationSecurityService

INSTRUCTIONS = "Instructions"
STATION_EXAMPLE = (
    "Stations: HG-001 | Harbour garage | Level 1 east | Accepted | | 2 | AC | Type2 | 22 | 1"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class IssuedPassword:
    ocpp_id: str
    security_profile: int
    password: str = field(repr=False)

    @property
    def authorization_key(self) -> str:
        return authorization_key(self.password)


@dataclass(frozen=True, slots=True)
class ImportResult:
    sites: int
    stations: int
    connectors: int
    passwords: tuple[IssuedPassword, ...] = ()
    """The new stations' passwords (profiles 1 and 2), in clear, to be shown this once."""
    insecure: tuple[str, ...] = ()
    """Stations imported at profile 0 (no authentication), as their rows asked."""


def read_workbook(content: bytes) -> dict[str, Table]:
    """The cell values of the Sites and Stations sheets (other sheets are ignored);
    ImportRefused for a file that is not an .xlsx workbook or is too large."""
    if len(content) > MAX_BYTES:
        raise ImportRefused(
            [Problem("", None, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")]
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(
            [Problem("", None, "the file is not an Excel workbook (.xlsx)")]
        ) from None
    try:
        sheets: dict[str, Table] = {}
        names = {name.strip().casefold(): name for name in workbook.sheetnames}
        for wanted in (SITES, STATIONS):
            actual = names.get(wanted.casefold())
            if actual is None:
                continue
            rows: list[tuple[object, ...]] = []
            for values in workbook[actual].iter_rows(values_only=True):
                rows.append(tuple(values))
                if len(rows) > MAX_ROWS + 1 and any(v is not None for v in values):
                    raise ImportRefused(
                        [Problem(wanted, None, f"more than {MAX_ROWS} rows: at most {MAX_ROWS}")]
                    )
            sheets[wanted] = rows
        return sheets
    finally:
        workbook.close()


def template_workbook() -> bytes:
    """The workbook the import page offers: a Sites and a Stations sheet with their header
    rows, lists to pick from where a column has a few values, and the instructions."""
    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS
    bold = Font(bold=True)
    lines: list[tuple[str, ...]] = [
        ("Import sites and stations into Kilowatt",),
        (),
        ("Fill in the Sites and Stations sheets, one row per site or station, below the",),
        ("header row (keep the headers). Empty rows are skipped.",),
        ("Every row must be right, or nothing is imported: the page lists each problem by",),
        ("sheet, row and column. Fix them and upload the file again.",),
        ("Sites are created, never changed: a site name that already exists is an error.",),
        ("A station names its site: one from the Sites sheet or one you already have.",),
        ("Stations get security profile 1 and a password each unless their row says",),
        ("otherwise. The passwords are shown once, after the import: keep them then.",),
        ("Security profile 0 means no authentication: only on a closed network.",),
        (f"At most {MAX_ROWS} rows per sheet and {MAX_BYTES // (1024 * 1024)} MB per file.",),
        (),
        ("Example (do not copy into the sheets as is):",),
        ("Sites: Harbour garage | Europe/Helsinki | Satamakatu 1 | Helsinki | 00160 | FI",),
        (STATION_EXAMPLE,),
        (),
        ("Sheet", "Column", "Header", "Required", "What to enter"),
    ]
    for sheet_name, columns in COLUMNS.items():
        for index, column in enumerate(columns):
            lines.append(
                (
                    sheet_name,
                    column_letter(index),
                    column.header,
                    "yes" if column.required else "",
                    column.help,
                )
            )
    for line in lines:
        instructions.append(list(line))
    instructions["A1"].font = Font(bold=True, size=14)
    header_row = lines.index(("Sheet", "Column", "Header", "Required", "What to enter")) + 1
    for cell in instructions[header_row]:
        cell.font = bold
    for letter, width in zip("ABCDE", (12, 8, 22, 10, 60), strict=True):
        instructions.column_dimensions[letter].width = width

    sites = workbook.create_sheet(SITES)
    _headers(sites, SITE_COLUMNS)
    _choices(sites, SITE_COLUMNS, "access", [m.value for m in AccessMode])
    stations = workbook.create_sheet(STATIONS)
    _headers(stations, STATION_COLUMNS)
    _choices(stations, STATION_COLUMNS, "access", [m.value for m in AccessMode])
    _choices(
        stations,
        STATION_COLUMNS,
        "registration_status",
        [s.value for s in RegistrationStatus],
    )
    _choices(stations, STATION_COLUMNS, "current_type", [c.value for c in CurrentType])
    _choices(
        stations,
        STATION_COLUMNS,
        "standard",
        [s.value for s in ConnectorStandard if s is not ConnectorStandard.UNKNOWN],
    )
    _choices(stations, STATION_COLUMNS, "security_profile", ["1", "2", "3", "0"])
    connectors = DataValidation(
        type="whole", operator="between", formula1="0", formula2=str(MAX_CONNECTORS)
    )
    connectors.add(_range(STATION_COLUMNS, "connectors"))
    stations.add_data_validation(connectors)
    workbook.active = 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _headers(sheet: Any, columns: Any) -> None:
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns):
        cell = sheet.cell(row=1, column=index + 1)
        cell.font = Font(bold=True)
        sheet.column_dimensions[column_letter(index)].width = max(14, len(column.header) + 4)
    sheet.freeze_panes = "A2"


def _range(columns: Any, key: str) -> str:
    index = next(i for i, c in enumerate(columns) if c.key == key)
    letter = column_letter(index)
    return f"{letter}2:{letter}{MAX_ROWS + 1}"


def _choices(sheet: Any, columns: Any, key: str, values: list[str]) -> None:
    validation = DataValidation(
        type="list", formula1='"' + ",".join(values) + '"', allow_blank=True
    )
    validation.add(_range(columns, key))
    sheet.add_data_validation(validation)


class ImportService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        security: StationSecurityService,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.security = security

    async def import_workbook(self, principal: Principal, content: bytes) -> ImportResult:
        """Create every site and station of the workbook, or nothing (ImportRefused with the
        problems, by sheet, row and column)."""
        plan = parse_workbook(read_workbook(content))
        return await self.import_plan(principal, plan)

    async def import_plan(self, principal: Principal, plan: ImportPlan) -> ImportResult:
        # Hashed before the unit of work opens (argon2, on the security service's threads).
        issued = await self.security.new_credentials_for(
            [s.security_profile for s in plan.stations]
        )
        now = self.clock.now()
        async with self.uow() as uow:
            known = Known(
                site_ids=await _site_names(uow, principal),
                taken_identities=frozenset(
                    [
                        s.ocpp_id
                        for s in plan.stations
                        if await uow.stations.by_ocpp_id(s.ocpp_id) is not None
                    ]
                ),
                may_create_sites=not principal.limited,
            )
            placement = check_against(plan, known)
            new_sites: dict[str, int] = {}
            for row in plan.sites:
                data = asdict(row)
                del data["row"]
                site = await uow.sites.add(
                    Site(
                        organization_id=principal.organization_id,
                        created_at=now,
                        updated_at=now,
                        **data,
                    )
                )
                assert site.id is not None
                new_sites[row.name.strip().casefold()] = site.id
                await record(uow, principal, "site.create", "site", site.id, data, at=now)
            connectors = 0
            for station_row, credentials in zip(plan.stations, issued, strict=True):
                site_id = placement[station_row.ocpp_id]
                if site_id is None:
                    site_id = new_sites[station_row.site.strip().casefold()]
                station = await uow.stations.add(
                    Station(
                        organization_id=principal.organization_id,
                        ocpp_id=station_row.ocpp_id,
                        site_id=site_id,
                        name=station_row.name,
                        registration_status=station_row.registration_status,
                        access=station_row.access,
                        security_profile=int(station_row.security_profile),
                        password_hash=credentials.password_hash,
                        password_updated_at=now if credentials.password_hash else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
                assert station.id is not None
                for spec in station_row.connectors:
                    await uow.connectors.add(
                        Connector(
                            station_id=station.id,
                            evse_id=spec.evse_id,
                            connector_id=spec.connector_id,
                            current_type=spec.current_type,
                            standard=spec.standard,
                            max_power_w=spec.max_power_w,
                            created_at=now,
                        )
                    )
                    connectors += 1
                await record(
                    uow,
                    principal,
                    "station.create",
                    "station",
                    station_row.ocpp_id,
                    {
                        "site_id": site_id,
                        "name": station_row.name,
                        "registration_status": station_row.registration_status,
                        "access": station_row.access,
                        "connectors": [
                            f"{c.evse_id}/{c.connector_id}" for c in station_row.connectors
                        ],
                        "security_profile": int(station_row.security_profile),
                        "issued": "password" if credentials.password else None,
                        "import": True,
                    },
                    at=now,
                )
            await uow.commit()
        return ImportResult(
            len(plan.sites),
            len(plan.stations),
            connectors,
            passwords=tuple(
                IssuedPassword(row.ocpp_id, int(row.security_profile), credentials.password)
                for row, credentials in zip(plan.stations, issued, strict=True)
                if credentials.password is not None
            ),
            insecure=tuple(
                row.ocpp_id for row in plan.stations if row.security_profile is SecurityProfile.NONE
            ),
        )


async def _site_names(uow: UnitOfWork, principal: Principal) -> dict[str, list[int]]:
    """Every site the caller can see, by casefolded name."""
    names: dict[str, list[int]] = {}
    cursor: int | None = None
    while True:
        page = await uow.sites.search(principal.scope, PageRequest(MAX_PAGE, cursor))
        for site in page.items:
            assert site.id is not None
            names.setdefault(site.name.strip().casefold(), []).append(site.id)
        if page.next_cursor is None:
            return names
        cursor = page.next_cursor
