"""Charge orders: start a session remotely, stopped at a limit of minutes, money or kWh."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kilowatt.api.deps import PageDep, ServicesDep, SessionsRead, require
from kilowatt.api.schemas.charge_orders import ChargeOrderIn, ChargeOrderOut
from kilowatt.api.schemas.common import Id, Page
from kilowatt.domain.charge_orders import OrderState
from kilowatt.domain.permissions import Permission
from kilowatt.domain.users import Principal
from kilowatt.services.charge_orders import OrderRequest

router = APIRouter(prefix="/charge-orders", tags=["charge orders"])

CommandsSend = Annotated[Principal, Depends(require(Permission.COMMANDS_SEND))]


@router.get("", response_model=Page[ChargeOrderOut])
async def list_charge_orders(
    services: ServicesDep,
    principal: SessionsRead,
    page: PageDep,
    state: Annotated[OrderState | None, Query()] = None,
) -> Page[ChargeOrderOut]:
    """Charge orders, newest first, with their progress."""
    found = await services.charge_orders.search(principal, page, state)
    return Page.of(found.items, found.next_cursor, ChargeOrderOut.of)


@router.post("", response_model=ChargeOrderOut, status_code=201, responses={409: {}, 422: {}})
async def create_charge_order(
    body: ChargeOrderIn, services: ServicesDep, principal: CommandsSend
) -> ChargeOrderOut:
    """Start a session remotely at the station's EVSE for a token (or a driver's token), and
    stop it when the limit is reached. A token the start would be refused for is answered 422
    naming ``id_tag``; a station not connected, 409."""
    order = await services.charge_orders.create(
        principal,
        OrderRequest(
            ocpp_id=body.station,
            evse_id=body.evse_id,
            limit_kind=body.limit_kind,
            limit=body.limit,
            id_tag=body.id_tag,
            driver_id=body.driver_id,
        ),
    )
    return ChargeOrderOut.of(order)


@router.get("/{order_id}", response_model=ChargeOrderOut)
async def get_charge_order(
    order_id: Id, services: ServicesDep, principal: SessionsRead
) -> ChargeOrderOut:
    return ChargeOrderOut.of(await services.charge_orders.get(principal, order_id))


@router.post("/{order_id}/stop", response_model=ChargeOrderOut, responses={422: {}})
async def stop_charge_order(
    order_id: Id, services: ServicesDep, principal: CommandsSend
) -> ChargeOrderOut:
    """Force-stop the order: its session is stopped at the station."""
    return ChargeOrderOut.of(await services.charge_orders.stop(principal, order_id))
