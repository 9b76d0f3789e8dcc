from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response, StreamingResponse

from kilowatt.api.deps import PageDep, ServicesDep, SessionsRead
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.transactions import TransactionOut
from kilowatt.domain.exports import MAX_EXPORT_ROWS
from kilowatt.domain.transactions import TransactionState
from kilowatt.services.ports import TransactionFilter

router = APIRouter(prefix="/transactions", tags=["transactions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=Page[TransactionOut], response_model_exclude_none=False)
async def list_transactions(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    station_id: Annotated[str | None, Query(description="OCPP identity of the station.")] = None,
    id_tag: Annotated[str | None, Query(description="The token that started it.")] = None,
    state: TransactionState | None = None,
    started_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    started_until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    flagged: Annotated[bool | None, Query(description="Only those flagged for review.")] = None,
    site_id: Annotated[Id | None, Query(description="Only at this site's stations.")] = None,
    driver: Annotated[
        str | None, Query(max_length=200, description="Part of the driver's name or email.")
    ] = None,
    include: Annotated[
        Literal["meter_values"] | None, Query(description="Embed each one's meter values.")
    ] = None,
) -> Page[TransactionOut]:
    """Newest first. `from`/`to` bound the start time (`to` exclusive)."""
    found = await services.transactions.search(
        principal,
        page,
        TransactionFilter(
            id_tag=id_tag,
            state=state,
            started_from=started_from,
            started_until=started_until,
            flagged=flagged,
            site_id=site_id,
            driver=driver or None,
        ),
        station_ocpp_id=station_id,
        with_meter_values=include == "meter_values",
    )
    return Page.of(
        found.items,
        found.next_cursor,
        lambda v: TransactionOut.of(v.transaction, v.station_ocpp_id, v.meter_values),
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The sessions, newest first: CSV (UTF-8) or an Excel workbook.",
            "content": {"text/csv": {}, XLSX: {}},
        },
        422: {"description": f"More than {MAX_EXPORT_ROWS} sessions match, or a bad filter"},
    },
)
async def export_transactions(
    services: ServicesDep,
    principal: SessionsRead,
    file_format: Annotated[
        Literal["csv", "xlsx"], Query(alias="format", description="File format.")
    ] = "csv",
    station_id: Annotated[str | None, Query(description="OCPP identity of the station.")] = None,
    id_tag: Annotated[str | None, Query(description="The token that started it.")] = None,
    state: TransactionState | None = None,
    started_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    started_until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    flagged: Annotated[bool | None, Query(description="Only those flagged for review.")] = None,
    site_id: Annotated[Id | None, Query(description="Only at this site's stations.")] = None,
    driver: Annotated[
        str | None, Query(max_length=200, description="Part of the driver's name or email.")
    ] = None,
) -> Response:
    """The list's sessions (same filters) as a file: times in each site's time zone (named in
    a column), energy in Wh and kWh. At most 100,000 sessions; beyond, 422."""
    where = TransactionFilter(
        id_tag=id_tag,
        state=state,
        started_from=started_from,
        started_until=started_until,
        flagged=flagged,
        site_id=site_id,
        driver=driver or None,
    )
    exports = services.exports
    await exports.check_size(principal, where, station_id)
    name = f"sessions.{file_format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if file_format == "xlsx":
        content = await exports.xlsx(principal, where, station_id)
        return Response(content, media_type=XLSX, headers=disposition)
    return StreamingResponse(
        exports.csv(principal, where, station_id),
        media_type="text/csv; charset=utf-8",
        headers=disposition,
    )


@router.get("/{transaction_id}", response_model=TransactionOut)
async def get_transaction(
    transaction_id: Id, services: ServicesDep, principal: SessionsRead
) -> TransactionOut:
    """One transaction with its meter values in stored units (Wh, W, V, A, %, °C) and, for
    OCPP 2.0.1, the TransactionEvents it was built from."""
    detail = await services.transactions.get(principal, transaction_id)
    return TransactionOut.of(
        detail.transaction, detail.station_ocpp_id, detail.meter_values, detail.events
    )
