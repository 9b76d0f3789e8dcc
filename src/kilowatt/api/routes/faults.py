"""Fault records of connectors, and the fault-code dictionary that explains them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import AssetsRead, AssetsWrite, PageDep, ServicesDep
from kilowatt.api.schemas.common import AwareDatetime, Id, Page
from kilowatt.api.schemas.faults import (
    FaultCodeBulkDelete,
    FaultCodeIn,
    FaultCodeOut,
    FaultCodePatch,
    FaultCodesDeleted,
    FaultOut,
)
from kilowatt.domain.faults import FaultFilter
from kilowatt.services.faults import FaultCodeInput

codes = APIRouter(prefix="/fault-codes", tags=["faults"])
router = APIRouter(prefix="/faults", tags=["faults"])


@codes.get("", response_model=Page[FaultCodeOut])
async def list_codes(
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of the code, vendor or description.")
    ] = None,
) -> Page[FaultCodeOut]:
    """Your organization's fault-code dictionary, oldest entry first."""
    found = await services.faults.codes(principal, page, q)
    return Page.of(found.items, found.next_cursor, FaultCodeOut.model_validate)


@codes.post("", response_model=FaultCodeOut, status_code=201, responses={409: {}})
async def create_code(
    body: FaultCodeIn, services: ServicesDep, principal: AssetsWrite
) -> FaultCodeOut:
    """A new entry; 409 when the code is already there for that vendor."""
    entry = await services.faults.create_code(principal, FaultCodeInput(**body.model_dump()))
    return FaultCodeOut.model_validate(entry)


@codes.post("/delete", response_model=FaultCodesDeleted, responses={404: {}})
async def delete_codes(
    body: FaultCodeBulkDelete, services: ServicesDep, principal: AssetsWrite
) -> FaultCodesDeleted:
    """Delete several entries at once: all of them, or (one is not found) none."""
    deleted = await services.faults.delete_codes(principal, body.ids)
    return FaultCodesDeleted(deleted=[FaultCodeOut.model_validate(e) for e in deleted])


@codes.get("/{code_id}", response_model=FaultCodeOut)
async def get_code(code_id: Id, services: ServicesDep, principal: AssetsRead) -> FaultCodeOut:
    return FaultCodeOut.model_validate(await services.faults.get_code(principal, code_id))


@codes.patch("/{code_id}", response_model=FaultCodeOut, responses={409: {}})
async def update_code(
    code_id: Id, body: FaultCodePatch, services: ServicesDep, principal: AssetsWrite
) -> FaultCodeOut:
    entry = await services.faults.update_code(
        principal, code_id, body.model_dump(exclude_unset=True)
    )
    return FaultCodeOut.model_validate(entry)


@codes.delete("/{code_id}", status_code=204)
async def delete_code(code_id: Id, services: ServicesDep, principal: AssetsWrite) -> Response:
    await services.faults.delete_code(principal, code_id)
    return Response(status_code=204)


@router.get("", response_model=Page[FaultOut])
async def list_faults(
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    station_id: Annotated[str | None, Query(description="OCPP identity of the station.")] = None,
    site_id: Id | None = None,
    state: Annotated[
        Literal["open", "ended"] | None, Query(description="Only open or only ended faults.")
    ] = None,
    code: Annotated[
        str | None, Query(max_length=50, description="Error code or vendor error code.")
    ] = None,
    started_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    started_until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Page[FaultOut]:
    """Fault records, newest first, each explained through the dictionary. `from`/`to` bound
    the start time (`to` exclusive)."""
    where = FaultFilter(
        site_id=site_id,
        open=None if state is None else state == "open",
        code=code or None,
        since=started_from,
        until=started_until,
    )
    found = await services.faults.search(principal, page, where, station_ocpp_id=station_id)
    return Page.of(found.items, found.next_cursor, FaultOut.of)


@router.get("/{fault_id}", response_model=FaultOut)
async def get_fault(fault_id: Id, services: ServicesDep, principal: AssetsRead) -> FaultOut:
    return FaultOut.of(await services.faults.get(principal, fault_id))
