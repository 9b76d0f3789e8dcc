from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.faults import Fault, FaultCode, FaultFilter
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope
from kilowatt.persistence.local_days import within_local_days
from kilowatt.persistence.models.faults import fault_codes, faults
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.persistence.repositories.stations import in_scope
from kilowatt.services.ports import FaultRow


class SqlFaultCodeRepository(Repository):
    async def get(self, organization_id: int, code_id: int) -> FaultCode | None:
        query = select(FaultCode).where(
            fault_codes.c.id == code_id, fault_codes.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def for_codes(self, organization_id: int, codes: Collection[str]) -> list[FaultCode]:
        if not codes:
            return []
        query = select(FaultCode).where(
            fault_codes.c.organization_id == organization_id,
            fault_codes.c.code.in_(sorted(set(codes))),
        )
        return list((await self.session.execute(query)).scalars())

    async def by_ids(self, organization_id: int, code_ids: Collection[int]) -> list[FaultCode]:
        if not code_ids:
            return []
        query = select(FaultCode).where(
            fault_codes.c.organization_id == organization_id,
            fault_codes.c.id.in_(sorted(set(code_ids))),
        )
        return list((await self.session.execute(query)).scalars())

    async def add(self, entry: FaultCode) -> FaultCode:
        return await self._add(entry)

    async def delete(self, entry: FaultCode) -> None:
        await self._delete(entry)

    async def delete_ids(self, organization_id: int, code_ids: Collection[int]) -> None:
        if code_ids:
            await self.session.execute(
                delete(fault_codes).where(
                    fault_codes.c.organization_id == organization_id,
                    fault_codes.c.id.in_(sorted(set(code_ids))),
                )
            )

    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[FaultCode]:
        query = select(FaultCode).where(fault_codes.c.organization_id == organization_id)
        if text:
            query = query.where(
                contains(fault_codes.c.code, text)
                | contains(fault_codes.c.vendor, text)
                | contains(fault_codes.c.description, text)
            )
        return await page_of(self.session, query, fault_codes.c.id, page)


def _rows(scope: Scope) -> Select[Any]:
    return (
        select(Fault, stations.c.ocpp_id, stations.c.site_id, stations.c.vendor, sites.c.timezone)
        .join(stations, stations.c.id == faults.c.station_id)
        .outerjoin(sites, sites.c.id == stations.c.site_id)
        .where(faults.c.organization_id == scope.organization_id, in_scope(scope))
    )


def _filtered(query: Select[Any], where: FaultFilter) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if where.station_id is not None:
        conditions.append(faults.c.station_id == where.station_id)
    if where.site_id is not None:
        conditions.append(stations.c.site_id == where.site_id)
    if where.evse_id is not None:
        conditions.append(faults.c.evse_id == where.evse_id)
    if where.open is True:
        conditions.append(faults.c.ended_at.is_(None))
    elif where.open is False:
        conditions.append(faults.c.ended_at.is_not(None))
    if where.code:
        conditions.append(
            (faults.c.error_code == where.code) | (faults.c.vendor_error_code == where.code)
        )
    if where.since is not None:
        conditions.append(faults.c.started_at >= where.since)
    if where.until is not None:
        conditions.append(faults.c.started_at < where.until)
    if where.days is not None:
        conditions.append(within_local_days(faults.c.started_at, faults.c.station_id, where.days))
    return query.where(*conditions) if conditions else query


def _row(row: Any) -> FaultRow:
    return FaultRow(
        fault=row[0],
        station_ocpp_id=row[1],
        site_id=row[2],
        vendor=row[3] or "",
        timezone=row[4] or "UTC",
    )


class SqlFaultRepository(Repository):
    async def open_at(self, station_id: int, evse_id: int, connector_id: int) -> Fault | None:
        query = (
            select(Fault)
            .where(
                faults.c.station_id == station_id,
                faults.c.evse_id == evse_id,
                faults.c.connector_id == connector_id,
                faults.c.ended_at.is_(None),
            )
            .order_by(faults.c.id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, fault: Fault) -> Fault:
        return await self._add(fault)

    async def get(self, scope: Scope, fault_id: int) -> FaultRow | None:
        query = _rows(scope).where(faults.c.id == fault_id)
        row = (await self.session.execute(query)).first()
        return None if row is None else _row(row)

    async def open_faults(self, scope: Scope, where: FaultFilter, limit: int) -> list[FaultRow]:
        query = _filtered(_rows(scope), where).where(faults.c.ended_at.is_(None))
        query = query.order_by(faults.c.started_at.desc(), faults.c.id.desc()).limit(limit)
        return [_row(row) for row in await self.session.execute(query)]

    async def search(self, scope: Scope, page: PageRequest, where: FaultFilter) -> Page[FaultRow]:
        """Newest first (by id: faults are recorded as they start)."""
        query = _filtered(_rows(scope), where)
        if page.cursor is not None:
            query = query.where(faults.c.id < page.cursor)
        query = query.order_by(faults.c.id.desc()).limit(page.limit + 1)
        rows = [_row(row) for row in await self.session.execute(query)]
        items = rows[: page.limit]
        more = len(rows) > page.limit
        return Page(items=items, next_cursor=items[-1].fault.id if more and items else None)
