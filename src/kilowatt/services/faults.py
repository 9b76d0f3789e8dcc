"""Faults: records of connectors in fault (opened and closed as stations report status), and
the fault-code dictionary of each organization that explains them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.faults import (
    Fault,
    FaultCode,
    FaultFilter,
    FaultView,
    check_code,
    explain,
    normal_vendor,
    track,
)
from kilowatt.domain.paging import MAX_PAGE, Page, PageRequest
from kilowatt.domain.stations import Station, StatusReport
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import FaultRow, UnitOfWork

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class FaultCodeInput:
    code: str
    description: str
    vendor: str = ""


async def track_fault(
    uow: UnitOfWork, station: Station, report: StatusReport
) -> tuple[Fault | None, Fault | None]:
    """Open or close the connector's fault record for a status report, in the caller's unit of
    work (the one that records the status). Returns (closed, opened)."""
    assert station.id is not None
    current = await uow.faults.open_at(station.id, report.evse_id, report.connector_id)
    closing, opening = track(current, report, station.organization_id, station.id)
    if opening is not None:
        await uow.faults.add(opening)
    return closing, opening


async def _views(
    uow: UnitOfWork, organization_id: int, rows: Sequence[FaultRow]
) -> list[FaultView]:
    codes = {row.fault.error_code for row in rows} | {
        row.fault.vendor_error_code for row in rows if row.fault.vendor_error_code
    }
    dictionary = await uow.fault_codes.for_codes(organization_id, codes)
    return [_view(row, dictionary) for row in rows]


def _view(row: FaultRow, dictionary: list[FaultCode]) -> FaultView:
    fault = row.fault
    assert fault.id is not None
    return FaultView(
        id=fault.id,
        station_id=fault.station_id,
        station_ocpp_id=row.station_ocpp_id,
        site_id=row.site_id,
        evse_id=fault.evse_id,
        connector_id=fault.connector_id,
        error_code=fault.error_code,
        vendor_error_code=fault.vendor_error_code,
        description=explain(fault.error_code, row.vendor, dictionary, fault.vendor_error_code),
        info=fault.info,
        started_at=fault.started_at,
        ended_at=fault.ended_at,
        timezone=row.timezone,
    )


class FaultService(Service):
    # --- fault records -------------------------------------------------------------------

    async def open_faults(
        self,
        principal: Principal,
        *,
        site_id: int | None = None,
        station_id: int | None = None,
        evse_id: int | None = None,
        limit: int = 100,
    ) -> list[FaultView]:
        """Faults not yet ended, newest first, explained through the dictionary."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")
        where = FaultFilter(station_id=station_id, site_id=site_id, evse_id=evse_id, open=True)
        async with self.uow(readonly=True) as uow:
            rows = await uow.faults.open_faults(principal.scope, where, limit)
            return await _views(uow, principal.organization_id, rows)

    async def search(
        self,
        principal: Principal,
        page: PageRequest,
        where: FaultFilter,
        *,
        station_ocpp_id: str | None = None,
    ) -> Page[FaultView]:
        """Fault records, newest first; ``station_ocpp_id`` one the caller cannot see finds
        none."""
        async with self.uow(readonly=True) as uow:
            if station_ocpp_id is not None:
                station = await uow.stations.get(principal.scope, station_ocpp_id)
                if station is None or station.id is None:
                    return Page(items=[], next_cursor=None)
                where = replace(where, station_id=station.id)
            found = await uow.faults.search(principal.scope, page, where)
            items = await _views(uow, principal.organization_id, found.items)
        return Page(items=items, next_cursor=found.next_cursor)

    async def get(self, principal: Principal, fault_id: int) -> FaultView:
        async with self.uow(readonly=True) as uow:
            row = await uow.faults.get(principal.scope, fault_id)
            if row is None:
                raise NotFound("fault", fault_id)
            return (await _views(uow, principal.organization_id, [row]))[0]

    # --- the dictionary ------------------------------------------------------------------

    async def codes(
        self, principal: Principal, page: PageRequest, search: str | None = None
    ) -> Page[FaultCode]:
        async with self.uow(readonly=True) as uow:
            return await uow.fault_codes.search(principal.organization_id, page, search)

    async def get_code(self, principal: Principal, code_id: int) -> FaultCode:
        async with self.uow(readonly=True) as uow:
            entry = await uow.fault_codes.get(principal.organization_id, code_id)
        if entry is None:
            raise NotFound("fault code", code_id)
        return entry

    async def create_code(self, principal: Principal, data: FaultCodeInput) -> FaultCode:
        code, vendor, description = check_code(data.code, data.vendor, data.description)
        now = self.clock.now()
        organization_id = principal.organization_id
        async with self.uow() as uow:
            await self._unique(uow, organization_id, code, vendor)
            entry = await uow.fault_codes.add(
                FaultCode(
                    organization_id=organization_id,
                    code=code,
                    vendor=vendor,
                    description=description,
                    created_at=now,
                    updated_at=now,
                )
            )
            await record(
                uow,
                principal,
                "fault_code.create",
                "fault_code",
                entry.id,
                {"code": code, "vendor": vendor, "description": description},
                at=now,
            )
            await uow.commit()
        return entry

    async def update_code(
        self, principal: Principal, code_id: int, changes: dict[str, Any]
    ) -> FaultCode:
        unknown = set(changes) - {"code", "vendor", "description"}
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        organization_id = principal.organization_id
        async with self.uow() as uow:
            entry = await uow.fault_codes.get(organization_id, code_id)
            if entry is None:
                raise NotFound("fault code", code_id)
            code, vendor, description = check_code(
                str(changes.get("code", entry.code)),
                str(changes.get("vendor", entry.vendor)),
                str(changes.get("description", entry.description)),
            )
            if code != entry.code or normal_vendor(vendor) != normal_vendor(entry.vendor):
                await self._unique(uow, organization_id, code, vendor, but=code_id)
            new = {"code": code, "vendor": vendor, "description": description}
            old = {name: getattr(entry, name) for name in new}
            for name, value in new.items():
                setattr(entry, name, value)
            entry.updated_at = self.clock.now()
            await record(
                uow,
                principal,
                "fault_code.update",
                "fault_code",
                code_id,
                changes_of(old, new),
                at=entry.updated_at,
            )
            await uow.commit()
        return entry

    async def delete_code(self, principal: Principal, code_id: int) -> None:
        async with self.uow() as uow:
            entry = await uow.fault_codes.get(principal.organization_id, code_id)
            if entry is None:
                raise NotFound("fault code", code_id)
            await uow.fault_codes.delete(entry)
            await record(
                uow,
                principal,
                "fault_code.delete",
                "fault_code",
                code_id,
                {"code": entry.code, "vendor": entry.vendor},
                at=self.clock.now(),
            )
            await uow.commit()

    async def delete_codes(
        self, principal: Principal, code_ids: Collection[int]
    ) -> list[FaultCode]:
        """Delete every one of ``code_ids``, or (one of them not found) none; returns them."""
        wanted = set(code_ids)
        if not wanted:
            raise InvalidInput("ids", "select at least one entry")
        if len(wanted) > MAX_BULK:
            raise InvalidInput("ids", f"at most {MAX_BULK} at once")
        organization_id = principal.organization_id
        async with self.uow() as uow:
            entries = await uow.fault_codes.by_ids(organization_id, wanted)
            missing = wanted - {entry.id for entry in entries}
            if missing:
                raise NotFound("fault code", min(missing))
            await uow.fault_codes.delete_ids(organization_id, wanted)
            now = self.clock.now()
            for entry in entries:
                await record(
                    uow,
                    principal,
                    "fault_code.delete",
                    "fault_code",
                    entry.id,
                    {"code": entry.code, "vendor": entry.vendor},
                    at=now,
                )
            await uow.commit()
        return sorted(entries, key=lambda entry: entry.id or 0)

    async def explain(self, principal: Principal, code: str, vendor: str = "") -> str:
        """What the dictionary (or OCPP) says about ``code`` for a station of ``vendor``."""
        async with self.uow(readonly=True) as uow:
            dictionary = await uow.fault_codes.for_codes(principal.organization_id, {code})
        return explain(code, vendor, dictionary)

    @staticmethod
    async def _unique(
        uow: UnitOfWork, organization_id: int, code: str, vendor: str, but: int | None = None
    ) -> None:
        key = normal_vendor(vendor)
        for entry in await uow.fault_codes.for_codes(organization_id, {code}):
            if entry.id != but and normal_vendor(entry.vendor) == key:
                where = f"vendor {vendor!r}" if vendor else "every vendor"
                raise Conflict(f"the code {code!r} is already in the dictionary for {where}")
