"""The vendor operations page (/vendor-operations): the organization's DataTransfer templates
(an RCD self-test, a log level...) that the station page's Tools run, added and deleted here
through the vendor service."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import RedirectResponse, Response

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.vendor import VendorTemplateInput
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import REQUIRED, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, page_for

router = APIRouter()

VendorPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.FIRMWARE_MANAGE))]
TemplateId = Annotated[
    int, Depends(path_id("template_id", N_("There is no such vendor operation.")))
]


class TemplateForm(Fields):
    name: Annotated[
        str, Field(max_length=100), REQUIRED, Says(N_("Enter a name (at most 100 characters)."))
    ] = ""
    vendor_id: Annotated[
        str,
        Field(max_length=255),
        REQUIRED,
        Says(N_("Enter the vendor id the station expects (at most 255 characters).")),
    ] = ""
    message_id: Annotated[str, Field(max_length=50)] = ""
    data: Annotated[str, Field(max_length=10_000)] = ""
    station_vendor: Annotated[str, Field(max_length=50)] = ""
    station_model: Annotated[str, Field(max_length=50)] = ""
    description: Annotated[str, Field(max_length=500)] = ""


def _data(text: str) -> Any:
    """The data as typed: JSON when it is JSON, else the text itself; nothing when empty."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


async def _page(page: Page, status: int = 200, **form: Any) -> Response:
    found = await page.web.services.vendor.search(page.principal, PageRequest(limit=MAX_PAGE))
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "vendor_id": t.vendor_id,
            "message_id": t.message_id,
            "data": "" if t.data is None else json.dumps(t.data, ensure_ascii=False),
            "suits": " ".join(p for p in (t.station_vendor, t.station_model) if p),
            "description": t.description,
        }
        for t in found.items
    ]
    context = {"templates": rows, "values": {}, "errors": {}, **form}
    return page.render("vendor/index.html", context, status)


@router.get("/vendor-operations")
async def vendor_operations(page: VendorPage) -> Response:
    return await _page(page)


@router.post("/vendor-operations")
async def add_vendor_operation(page: VendorPage) -> Response:
    reading = await page.web.form(TemplateForm)
    errors = dict(reading.errors)
    if errors:
        return await _page(page, 422, values=reading.values, errors=errors)
    form = reading.data
    data = VendorTemplateInput(
        name=form.name,
        vendor_id=form.vendor_id,
        message_id=form.message_id,
        data=_data(form.data),
        station_vendor=form.station_vendor,
        station_model=form.station_model,
        description=form.description,
    )
    try:
        await page.web.services.vendor.create(page.principal, data)
    except Conflict:
        errors["name"] = page.web.gettext("A vendor operation of this name exists already.")
        return await _page(page, 422, values=reading.values, errors=errors)
    return RedirectResponse("/vendor-operations", status_code=303)


@router.post("/vendor-operations/{template_id}/delete")
async def delete_vendor_operation(template_id: TemplateId, page: VendorPage) -> Response:
    try:
        await page.web.services.vendor.delete(page.principal, template_id)
    except NotFound:
        raise WebError(404, page.web.gettext("There is no such vendor operation.")) from None
    return RedirectResponse("/vendor-operations", status_code=303)
