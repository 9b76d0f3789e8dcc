"""Tariffs: create, revise, archive, assign, and the calculator."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kilowatt.api.deps import FinanceManage, ServicesDep, SessionsRead
from kilowatt.api.schemas.common import Id
from kilowatt.api.schemas.tariffs import (
    AssignmentIn,
    AssignmentOut,
    PricedOut,
    QuoteIn,
    TariffIn,
    TariffOut,
    TariffRevision,
)

router = APIRouter(prefix="/tariffs", tags=["tariffs"])
assignments = APIRouter(prefix="/tariff-assignments", tags=["tariffs"])


@router.get("", response_model=list[TariffOut])
async def list_tariffs(
    services: ServicesDep, principal: SessionsRead, archived: bool = False
) -> list[TariffOut]:
    """Your organization's tariffs by name, each with its versions (oldest first)."""
    return [TariffOut.of(v) for v in await services.tariffs.all(principal, archived)]


@router.post("", response_model=TariffOut, status_code=201, responses={409: {}, 422: {}})
async def create_tariff(
    body: TariffIn, services: ServicesDep, principal: FinanceManage
) -> TariffOut:
    """A new tariff in OCPI 2.2.1's shape (prices as decimal strings, excluding VAT). A tariff
    that could never apply, restrictions that make a price ambiguous, a negative price or an
    unknown currency are refused with the field named."""
    data = body.ocpi()
    name = data.pop("name")
    return TariffOut.of(await services.tariffs.create(principal, name, data))


@router.get("/{tariff_id}", response_model=TariffOut)
async def get_tariff(tariff_id: Id, services: ServicesDep, principal: SessionsRead) -> TariffOut:
    return TariffOut.of(await services.tariffs.get(principal, tariff_id))


@router.put("/{tariff_id}", response_model=TariffOut, responses={409: {}, 422: {}})
async def revise_tariff(
    tariff_id: Id, body: TariffRevision, services: ServicesDep, principal: FinanceManage
) -> TariffOut:
    """A new version of the tariff, in force from `valid_from` (now when absent). Sessions
    are priced by the versions in force while they ran: the past is never repriced."""
    data = body.ocpi()
    valid_from = body.valid_from
    data.pop("valid_from", None)
    view = await services.tariffs.revise(principal, tariff_id, data, valid_from)
    return TariffOut.of(view)


@router.post("/{tariff_id}/archive", status_code=204, responses={409: {}})
async def archive_tariff(
    tariff_id: Id, services: ServicesDep, principal: FinanceManage
) -> Response:
    """Archive a tariff that no assignment uses (it stays for the sessions it priced)."""
    await services.tariffs.archive(principal, tariff_id)
    return Response(status_code=204)


@router.post("/{tariff_id}/quote", response_model=PricedOut)
async def quote(
    tariff_id: Id, body: QuoteIn, services: ServicesDep, principal: SessionsRead
) -> PricedOut:
    """The calculator: what a session charging `energy_wh` evenly from `start` to
    `charging_until`, then connected idle until `connected_until`, costs, line by line, with
    the restrictions read in `timezone`."""
    found = await services.tariffs.quote(
        principal,
        tariff_id,
        body.start,
        body.charging_until,
        body.energy_wh,
        body.connected_until,
        body.timezone,
    )
    return PricedOut.of_quote(found)


@assignments.get("", response_model=list[AssignmentOut])
async def list_assignments(services: ServicesDep, principal: SessionsRead) -> list[AssignmentOut]:
    """Where each tariff applies. A session is priced by the tariff of its token's group, else
    of its EVSE, its station, its site, else the organization's default."""
    found = await services.tariffs.assignments(principal)
    stations = await services.tariffs.station_identities(principal, found)
    return [AssignmentOut.of(a, stations) for a in found]


@assignments.post("", response_model=AssignmentOut, status_code=201, responses={404: {}})
async def assign(
    body: AssignmentIn, services: ServicesDep, principal: FinanceManage
) -> AssignmentOut:
    """Assign a tariff; an earlier assignment to the same target is replaced."""
    made = await services.tariffs.assign(
        principal, body.tariff_id, body.scope, body.scope_id, body.evse_id, body.station
    )
    return AssignmentOut.of(made, await services.tariffs.station_identities(principal, [made]))


@assignments.delete("/{assignment_id}", status_code=204)
async def unassign(assignment_id: Id, services: ServicesDep, principal: FinanceManage) -> Response:
    await services.tariffs.unassign(principal, assignment_id)
    return Response(status_code=204)
