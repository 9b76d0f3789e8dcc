from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from kilowatt.api.deps import PageDep, ServicesDep, SessionsRead
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.transactions import TransactionOut
from kilowatt.domain.transactions import TransactionState
from kilowatt.services.ports import TransactionFilter

router = APIRouter(prefix="/transactions", tags=["transactions"])


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
        ),
        station_ocpp_id=station_id,
        with_meter_values=include == "meter_values",
    )
    return Page.of(
        found.items,
        found.next_cursor,
        lambda v: TransactionOut.of(v.transaction, v.station_ocpp_id, v.meter_values),
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
