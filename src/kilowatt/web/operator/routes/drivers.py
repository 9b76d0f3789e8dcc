"""Administration: drivers (the people who charge with id tokens). The list with a search, a
new driver, deactivate or reactivate one, and their tokens on the id tokens page. Reading
needs tokens:read, changing tokens:write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.drivers import DriverInput
from kilowatt.services.ports import DriverFilter
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import Cursor, Fields, Required, Search
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.assets.common import NoticeQuery

router = APIRouter()

ReadPage = Annotated[Page, Depends(page_for(Permission.TOKENS_READ))]
WritePage = Annotated[Page, Depends(page_for(Permission.TOKENS_READ, Permission.TOKENS_WRITE))]
DriverId = Annotated[int, Depends(path_id("driver_id", N_("There is no such driver.")))]


class DriverQuery(NoticeQuery):
    q: Search = ""
    after: Cursor = None


class DriverForm(Fields):
    email: Annotated[
        str, Field(max_length=254), Required(N_("Enter the driver's email address."))
    ] = ""
    name: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=40)] = ""


@router.get("/admin/drivers")
async def driver_list(page: ReadPage) -> Response:
    _ = page.web.gettext
    reading = page.web.query(DriverQuery)
    query = reading.data
    found = await page.web.services.drivers.search(
        page.principal, PageRequest(100, query.after), DriverFilter(search=query.q or None)
    )
    notice = {
        "created": _("The driver was added."),
        "deactivated": _("The driver was deactivated."),
        "reactivated": _("The driver was reactivated."),
    }.get(query.notice, "")
    return page.render(
        "admin/drivers.html",
        {
            "drivers": found.items,
            "values": reading.values,
            "errors": reading.errors,
            "filtered": reading.filtered,
            "notice": notice,
            "next_url": reading.link("/admin/drivers", after=found.next_cursor)
            if found.next_cursor
            else "",
        },
        422 if reading.errors else 200,
    )


def _form(
    page: Page, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Response:
    return page.render("admin/driver_form.html", {"values": values, "errors": errors}, status)


@router.get("/admin/drivers/new")
async def new_driver(page: WritePage) -> Response:
    return _form(page, {}, {})


@router.post("/admin/drivers/new")
async def create_driver(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(DriverForm)
    form, values = reading.data, reading.values
    if reading.errors:
        return _form(page, values, reading.errors, 422)
    try:
        await page.web.services.drivers.create(
            page.principal, DriverInput(email=form.email, name=form.name, phone=form.phone)
        )
    except InvalidInput as error:
        message = {"email": _("Enter an email address, such as name@example.com.")}.get(
            error.field
        ) or refusal(error, _)
        return _form(page, values, {error.field: message}, 422)
    except Conflict:
        return _form(page, values, {"email": _("A driver with this email already exists.")}, 422)
    return redirect("/admin/drivers?notice=created")


async def _set_active(page: Page, driver_id: int, active: bool) -> None:
    try:
        await page.web.services.drivers.update(page.principal, driver_id, {"is_active": active})
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such driver.")) from error


@router.post("/admin/drivers/{driver_id}/deactivate")
async def deactivate(page: WritePage, driver_id: DriverId) -> Response:
    await _set_active(page, driver_id, False)
    return redirect("/admin/drivers?notice=deactivated")


@router.post("/admin/drivers/{driver_id}/reactivate")
async def reactivate(page: WritePage, driver_id: DriverId) -> Response:
    await _set_active(page, driver_id, True)
    return redirect("/admin/drivers?notice=reactivated")
