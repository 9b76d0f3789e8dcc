"""Charge detail records: the priced, immutable account of each finished session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kilowatt.api.deps import FinanceManage, PageDep, ServicesDep, SessionsRead
from kilowatt.api.schemas.cdrs import CdrOut, CreditIn
from kilowatt.api.schemas.common import AwareDatetime, Id, Page

router = APIRouter(prefix="/cdrs", tags=["cdrs"])
sessions = APIRouter(prefix="/transactions", tags=["cdrs"])


@router.get("", response_model=Page[CdrOut])
async def list_cdrs(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Page[CdrOut]:
    """CDRs and credit records, newest first."""
    found = await services.cdrs.search(principal, page, since, until)
    return Page.of(found.items, found.next_cursor, CdrOut.of)


@router.get("/{cdr_id}", response_model=CdrOut)
async def get_cdr(cdr_id: Id, services: ServicesDep, principal: SessionsRead) -> CdrOut:
    return CdrOut.of(await services.cdrs.get(principal, cdr_id))


@router.post("/{cdr_id}/credit", response_model=CdrOut, status_code=201, responses={409: {}})
async def credit_cdr(
    cdr_id: Id, body: CreditIn, services: ServicesDep, principal: FinanceManage
) -> CdrOut:
    """Correct a CDR: a credit record negates it (the CDR stays as it was); a prepaid
    wallet gets the charge back. A CDR is credited once (409 after)."""
    return CdrOut.of(await services.cdrs.credit(principal, cdr_id, body.reason))


@sessions.get("/{transaction_id}/cdrs", response_model=list[CdrOut])
async def cdrs_of_session(
    transaction_id: Id, services: ServicesDep, principal: SessionsRead
) -> list[CdrOut]:
    """The session's CDR (empty while it runs) and any credit of it."""
    return [CdrOut.of(c) for c in await services.cdrs.for_transaction(principal, transaction_id)]
