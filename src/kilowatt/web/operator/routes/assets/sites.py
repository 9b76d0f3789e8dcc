"""Asset pages: sites. Create, edit, and delete a site after a confirmation page that lists the
stations it still has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import Forbidden, InvalidInput, NotFound
from kilowatt.domain.sites import Site
from kilowatt.services.sites import SiteInput
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import REQUIRED, Fields, Number, Required, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.paths import SiteId
from kilowatt.web.operator.routes.assets.common import (
    Kilowatts,
    WritePage,
    error_message,
    kw,
    not_found,
    watts,
)

router = APIRouter()


class SiteForm(Fields):
    """A site as its form sends it."""

    name: Annotated[str, Field(max_length=200), Required(N_("Enter a name."))] = ""
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    address: Annotated[str, Field(max_length=300)] = ""
    city: Annotated[str, Field(max_length=120)] = ""
    postal_code: Annotated[str, Field(max_length=20)] = ""
    country: Annotated[str, Field(max_length=2)] = ""
    latitude: Number = None
    longitude: Number = None
    grid_capacity_kw: Kilowatts = None
    access: Annotated[AccessMode | None, REQUIRED, Says(N_("Choose one of the options."))] = None

    def data(self) -> dict[str, Any]:
        """What the site service takes."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "address": self.address,
            "city": self.city,
            "postal_code": self.postal_code,
            "country": self.country,
            "latitude": None if self.latitude is None else float(self.latitude),
            "longitude": None if self.longitude is None else float(self.longitude),
            "grid_capacity_w": watts(self.grid_capacity_kw),
            "access": self.access,
        }


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _site_values(site: Site | None) -> dict[str, str]:
    if site is None:
        return {"timezone": "UTC", "access": AccessMode.PUBLIC.value}
    return {
        "name": site.name,
        "timezone": site.timezone,
        "address": site.address,
        "city": site.city,
        "postal_code": site.postal_code,
        "country": site.country,
        "latitude": _number(site.latitude),
        "longitude": _number(site.longitude),
        "grid_capacity_kw": kw(site.grid_capacity_w),
        "access": site.access.value,
    }


def _site_form(
    page: Page,
    site: Site | None,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    _ = page.web.gettext
    return page.render(
        "assets/site_form.html",
        {
            "site": site,
            "values": values,
            "errors": errors,
            "access_options": [
                (AccessMode.PUBLIC.value, _("Public: any valid token")),
                (AccessMode.PRIVATE.value, _("Private: only the groups an access rule grants")),
            ],
        },
        status,
    )


def _site_field(field: str) -> str:
    return {"grid_capacity_w": "grid_capacity_kw"}.get(field, field)


@router.get("/assets/sites/new")
async def new_site(page: WritePage) -> Response:
    return _site_form(page, None, _site_values(None), {})


@router.post("/assets/sites/new")
async def create_site(page: WritePage) -> Response:
    reading = await page.web.form(SiteForm)
    values = reading.values
    if reading.errors:
        return _site_form(page, None, values, reading.errors, 422)
    try:
        await page.web.services.sites.create(page.principal, SiteInput(**reading.data.data()))
    except InvalidInput as error:
        return _site_form(
            page, None, values, {_site_field(error.field): error_message(page, error)}, 422
        )
    except Forbidden as error:
        raise WebError(403, refusal(error, page.web.gettext)) from error
    return redirect("/assets?notice=site-created#sites")


async def _site(page: Page, site_id: int) -> Site:
    try:
        return await page.web.services.sites.get(page.principal, site_id)
    except NotFound as error:
        raise not_found(page, error) from error


@router.get("/assets/sites/{site_id}/edit")
async def edit_site(page: WritePage, site_id: SiteId) -> Response:
    site = await _site(page, site_id)
    return _site_form(page, site, _site_values(site), {})


@router.post("/assets/sites/{site_id}/edit")
async def update_site(page: WritePage, site_id: SiteId) -> Response:
    site = await _site(page, site_id)
    reading = await page.web.form(SiteForm)
    values = reading.values
    if reading.errors:
        return _site_form(page, site, values, reading.errors, 422)
    try:
        await page.web.services.sites.update(page.principal, site_id, reading.data.data())
    except InvalidInput as error:
        return _site_form(
            page, site, values, {_site_field(error.field): error_message(page, error)}, 422
        )
    except NotFound as error:
        raise not_found(page, error) from error
    return redirect("/assets?notice=site-saved#sites")
