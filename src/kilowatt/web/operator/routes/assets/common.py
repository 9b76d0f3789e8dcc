"""What the asset pages share: the write permission, powers typed in kW, the mapping of domain
errors to pages, the notices after a change, and small formatters."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends
from pydantic import Field

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import OUT_OF_BOUNDS, Fields, Number, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for

WritePage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.ASSETS_WRITE))]


def station_url(ocpp_id: str, tail: str = "") -> str:
    return f"/assets/stations/{quote(ocpp_id, safe='')}{tail}"


def not_found(page: Page, error: NotFound) -> WebError:
    _ = page.web.gettext
    if error.entity == "site":
        return WebError(404, _("There is no such site, or it is not yours to see."))
    if error.entity == "connector":
        return WebError(404, _("There is no such connector."))
    return WebError(404, _("There is no such station, or it is not yours to see."))


def error_message(page: Page, error: InvalidInput) -> str:
    return refusal(error, page.web.gettext)


Kilowatts = Annotated[
    Number,
    Field(gt=0, le=10**9, decimal_places=3),
    Says(N_("Enter a positive power in kW."), only=(*OUT_OF_BOUNDS, "decimal_max_places")),
]
"""A power typed in kW (to the watt)."""


def watts(kilowatts: Decimal | None) -> int | None:
    """A power typed in kW, kept in W."""
    return None if kilowatts is None else int(kilowatts * 1000)


class NoticeQuery(Fields):
    """The notice after a change (``notice_text``); an unknown one says nothing."""

    notice: Annotated[str, Field(max_length=40)] = ""


def kw(watts: int | None) -> str:
    if watts is None:
        return ""
    return (
        format(Decimal(watts) / 1000, "f").rstrip("0").rstrip(".")
        if watts % 1000
        else str(watts // 1000)
    )


async def all_sites(page: Page) -> list[Site]:
    sites: list[Site] = []
    cursor: int | None = None
    while True:
        batch = await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE, cursor))
        sites.extend(batch.items)
        if batch.next_cursor is None or len(sites) >= 5000:
            return sites
        cursor = batch.next_cursor


def notice_text(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "site-created": _("The site was created."),
        "site-saved": _("The site was saved."),
        "site-deleted": _("The site was deleted."),
        "sites-deleted": _("The sites were deleted."),
        "station-created": _("The station was created."),
        "station-saved": _("The station was saved."),
        "station-deleted": _("The station was deleted."),
        "stations-deleted": _("The stations were deleted."),
        "connector-saved": _("The connector was saved."),
        "connector-deleted": _("The connector was deleted."),
    }.get(key, "")


async def find_station(page: Page, ocpp_id: str) -> Any:
    """The station and its connectors, or the page that says there is no such station."""
    try:
        return await page.web.services.stations.get(page.principal, ocpp_id)
    except NotFound as error:
        raise not_found(page, error) from error
