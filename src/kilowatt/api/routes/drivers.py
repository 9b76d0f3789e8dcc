"""Driver accounts (tokens:read / tokens:write) and the tokens they hold."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import PageDep, ServicesDep, TokensRead, TokensWrite
from kilowatt.api.routes.tokens import token_out
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.drivers import DayCount, DriverIn, DriverOut, DriverPatch
from kilowatt.api.schemas.tokens import TokenOut
from kilowatt.services.drivers import DriverInput
from kilowatt.services.ports import DriverFilter

router = APIRouter(prefix="/drivers", tags=["drivers"])


@router.get("", response_model=Page[DriverOut])
async def list_drivers(
    services: ServicesDep,
    principal: TokensRead,
    page: PageDep,
    active: bool | None = None,
    q: Annotated[str | None, Query(description="Part of the email, name or phone.")] = None,
) -> Page[DriverOut]:
    found = await services.drivers.search(principal, page, DriverFilter(active=active, search=q))
    return Page.of(found.items, found.next_cursor, DriverOut.model_validate)


@router.post("", response_model=DriverOut, status_code=201, responses={409: {}})
async def create_driver(body: DriverIn, services: ServicesDep, principal: TokensWrite) -> DriverOut:
    """A driver account, with a password or without one (made by an operator)."""
    driver = await services.drivers.create(principal, DriverInput(**body.model_dump()))
    return DriverOut.model_validate(driver)


@router.get("/new-per-day", response_model=list[DayCount])
async def new_drivers_per_day(
    services: ServicesDep,
    principal: TokensRead,
    since: Annotated[date | None, Query(description="First day; default 29 days ago.")] = None,
    until: Annotated[date | None, Query(description="Last day (included); default today.")] = None,
    timezone: Annotated[str, Query(description="IANA time zone the days are in.")] = "UTC",
) -> list[DayCount]:
    """How many driver accounts were made on each day (at most 366 days)."""
    counts = await services.drivers.new_per_day(principal, since, until, timezone)
    return [DayCount(day=day, drivers=count) for day, count in counts]


@router.get("/{driver_id}", response_model=DriverOut)
async def get_driver(driver_id: Id, services: ServicesDep, principal: TokensRead) -> DriverOut:
    return DriverOut.model_validate(await services.drivers.get(principal, driver_id))


@router.patch("/{driver_id}", response_model=DriverOut, responses={409: {}})
async def update_driver(
    driver_id: Id, body: DriverPatch, services: ServicesDep, principal: TokensWrite
) -> DriverOut:
    driver = await services.drivers.update(
        principal, driver_id, body.model_dump(exclude_unset=True)
    )
    return DriverOut.model_validate(driver)


@router.delete("/{driver_id}", status_code=204)
async def delete_driver(driver_id: Id, services: ServicesDep, principal: TokensWrite) -> Response:
    """The driver's tokens stay, without a driver."""
    await services.drivers.delete(principal, driver_id)
    return Response(status_code=204)


@router.get("/{driver_id}/id-tokens", response_model=Page[TokenOut])
async def list_driver_tokens(
    driver_id: Id, services: ServicesDep, principal: TokensRead, page: PageDep
) -> Page[TokenOut]:
    found = await services.drivers.tokens(principal, driver_id, page)
    return Page.of(found.items, found.next_cursor, token_out)
