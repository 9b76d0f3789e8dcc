"""Charging sessions as the dashboard lists them and as exports (CSV streamed, XLSX bounded),
scoped by the caller like every other query."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace

from openpyxl import Workbook

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.exports import (
    HEADERS,
    MAX_EXPORT_ROWS,
    SessionRow,
    csv_cells,
    export_row,
    xlsx_cells,
)
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.ports import TransactionFilter, UnitOfWork

CHUNK = 500
"""Sessions read per query while exporting."""


class ExportService(Service):
    async def sessions(
        self,
        principal: Principal,
        page: PageRequest,
        where: TransactionFilter,
        station_ocpp_id: str | None = None,
    ) -> Page[SessionRow]:
        """One page of sessions, newest first, with their station, site and driver names."""
        async with self.uow(readonly=True) as uow:
            narrowed = await self._narrowed(uow, principal, where, station_ocpp_id)
            if narrowed is None:
                return Page(items=[], next_cursor=None)
            return await uow.transactions.session_rows(principal.scope, page, narrowed)

    async def session(self, principal: Principal, transaction_id: int) -> SessionRow:
        async with self.uow(readonly=True) as uow:
            found = await uow.transactions.session_rows(
                principal.scope, PageRequest(limit=1), TransactionFilter(), one=transaction_id
            )
        if not found.items:
            raise NotFound("transaction", transaction_id)
        return found.items[0]

    async def count(
        self, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None = None
    ) -> int:
        async with self.uow(readonly=True) as uow:
            narrowed = await self._narrowed(uow, principal, where, station_ocpp_id)
            if narrowed is None:
                return 0
            return await uow.transactions.count(principal.scope, narrowed)

    async def check_size(
        self, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None = None
    ) -> int:
        """The number of sessions an export would hold; InvalidInput beyond the bound."""
        total = await self.count(principal, where, station_ocpp_id)
        if total > MAX_EXPORT_ROWS:
            raise InvalidInput(
                "filter",
                f"{total} sessions match; an export holds at most {MAX_EXPORT_ROWS}: "
                "narrow the filter (dates, site or station)",
            )
        return total

    async def rows(
        self, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None = None
    ) -> AsyncIterator[SessionRow]:
        """Every matching session, newest first, read in chunks (one short unit of work
        each), at most MAX_EXPORT_ROWS."""
        cursor: int | None = None
        sent = 0
        while sent < MAX_EXPORT_ROWS:
            limit = min(CHUNK, MAX_EXPORT_ROWS - sent)
            found = await self.sessions(
                principal, PageRequest(limit=limit, cursor=cursor), where, station_ocpp_id
            )
            for row in found.items:
                yield row
            sent += len(found.items)
            if found.next_cursor is None:
                return
            cursor = found.next_cursor

    async def csv(
        self, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None = None
    ) -> AsyncIterator[bytes]:
        """The sessions as CSV (UTF-8 with a byte-order mark, so that Excel reads it as UTF-8),
        one chunk of text after another. Call ``check_size`` first."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADERS)
        yield "\ufeff".encode() + _drain(buffer)
        count = 0
        async for row in self.rows(principal, where, station_ocpp_id):
            writer.writerow(csv_cells(export_row(row)))
            count += 1
            if count % CHUNK == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    async def xlsx(
        self, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None = None
    ) -> bytes:
        """The sessions as an Excel workbook (openpyxl's write-only mode: rows are not kept in
        memory as cells). Call ``check_size`` first."""
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Sessions")
        sheet.freeze_panes = "A2"
        sheet.append(list(HEADERS))
        async for row in self.rows(principal, where, station_ocpp_id):
            sheet.append(xlsx_cells(export_row(row)))
        output = io.BytesIO()
        book.save(output)
        return output.getvalue()

    @staticmethod
    async def _narrowed(
        uow: UnitOfWork, principal: Principal, where: TransactionFilter, station_ocpp_id: str | None
    ) -> TransactionFilter | None:
        """``where`` with the station named by its OCPP id; None: no such station in scope."""
        if station_ocpp_id is None:
            return where
        station = await uow.stations.get(principal.scope, station_ocpp_id)
        if station is None:
            return None
        return replace(where, station_id=station.id)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()
