"""Dashboard page: the transaction records (/wallets/records, seed 003's 交易记录), every
top-up, refund, adjustment and charging deduction, with filters and CSV / XLSX exports.
Registered before wallets.py's router, so that "records" is not read as a wallet's id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.exports import day_bounds, zone_of
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.wallets import EntryKind
from kilowatt.services.ports import EntryFilter
from kilowatt.web.kit.forms import Cursor, Day, Fields, Id, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, SessionsPage
from kilowatt.web.operator.routes.wallets import (
    PAGE_SIZE,
    XLSX,
    entry_rows,
    kind_words,
    organization_zone,
)

router = APIRouter()


class RecordFilter(Fields):
    wallet: Annotated[Id, Says(N_("Choose one of the wallets."))] = None
    kind: Annotated[EntryKind | None, Says(N_("Choose one of the kinds."))] = None
    first: Annotated[Day, Field(alias="from")] = None
    last: Annotated[Day, Field(alias="to")] = None
    cursor: Cursor = None

    def problems(self) -> dict[str, str]:
        if self.first and self.last and self.last < self.first:
            return {"to": N_("The end date is before the start date.")}
        return {}


@router.get("/wallets/records")
async def records(page: SessionsPage) -> Response:
    return await _records(page)


@router.get("/wallets/records/export.csv")
async def records_csv(page: SessionsPage) -> Response:
    return await _records(page, "csv")


@router.get("/wallets/records/export.xlsx")
async def records_xlsx(page: SessionsPage) -> Response:
    return await _records(page, "xlsx")


async def _records(page: Page, export: str = "") -> Response:
    _ = page.web.gettext
    reading = page.web.query(RecordFilter)
    data = reading.data
    errors = dict(reading.errors)
    zone = await organization_zone(page)
    since, until = day_bounds(data.first, data.last, zone_of(zone))
    where = EntryFilter(
        wallet_id=data.wallet, kinds=(data.kind,) if data.kind else (), since=since, until=until
    )
    services = page.web.services
    if export and not errors:
        stamp = datetime.now(zone_of(zone)).strftime("%Y%m%d-%H%M")
        headers = {
            "Content-Disposition": f'attachment; filename="transaction-records-{stamp}.{export}"'
        }
        if export == "xlsx":
            content = await services.wallets.entries_xlsx(page.principal, where)
            return Response(content, media_type=XLSX, headers=headers)
        content = await services.wallets.entries_csv(page.principal, where)
        return Response(content, media_type="text/csv; charset=utf-8", headers=headers)
    rows: list[dict[str, Any]] = []
    next_url = ""
    if not errors:
        found = await services.wallets.entries(
            page.principal, PageRequest(PAGE_SIZE, data.cursor), where
        )
        rows = entry_rows(page, found.items, zone)
        if found.next_cursor is not None:
            next_url = reading.link("/wallets/records", cursor=found.next_cursor)
    wallets = await services.wallets.search(page.principal, PageRequest(MAX_PAGE))
    return page.render(
        "wallets/records.html",
        {
            "rows": rows,
            "values": reading.values,
            "errors": errors,
            "zone": zone,
            "wallets": [(str(w.id), w.name) for w in wallets.items],
            "kinds": list(kind_words(_).items()),
            "next_url": next_url,
            "csv_url": reading.link("/wallets/records/export.csv"),
            "xlsx_url": reading.link("/wallets/records/export.xlsx"),
            "filtered": reading.filtered,
        },
        422 if errors else 200,
    )
