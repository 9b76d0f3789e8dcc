from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kilowatt.api.deps import PageDep, ServicesDep, SessionsRead
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.reservations import ReservationOut
from kilowatt.services.reservations import ReservationView

router = APIRouter(prefix="/reservations", tags=["reservations"])


def out(view: ReservationView) -> ReservationOut:
    r = view.reservation
    assert r.id is not None
    return ReservationOut(
        id=r.id,
        station_id=view.station_ocpp_id,
        evse_id=r.evse_id,
        connector_id=r.connector_id,
        id_tag=r.id_tag,
        expires_at=r.expires_at,
        status=view.status,
        reason=r.reason,
        transaction_id=r.transaction_id,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


@router.get("", response_model=Page[ReservationOut])
async def list_reservations(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    station_id: Annotated[str | None, Query(description="OCPP identity of the station.")] = None,
) -> Page[ReservationOut]:
    """Newest first; an open reservation past its expiry reads as expired. Reservations are
    made and cancelled with the reserve-now and cancel-reservation commands."""
    found = await services.reservations.search(principal, page, station_id)
    return Page.of(found.items, found.next_cursor, out)


@router.get("/{reservation_id}", response_model=ReservationOut)
async def get_reservation(
    reservation_id: Id, services: ServicesDep, principal: SessionsRead
) -> ReservationOut:
    return out(await services.reservations.get(principal, reservation_id))
