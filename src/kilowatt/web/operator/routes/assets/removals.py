"""Asset pages: deleting sites and stations with what they hold (services/removals.py). A
site, or several sites or stations ticked in the assets lists, are deleted after a
confirmation page that counts their stations, connectors, charging sessions and faults; a site
with stations, or a station with sessions, goes only when the box saying so is ticked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.services.removals import MAX_STATIONS, Removal
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import BIGINT, Checkbox, Fields, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page
from kilowatt.web.operator.paths import SiteId
from kilowatt.web.operator.routes.assets.common import WritePage, not_found, station_url

router = APIRouter()

SiteIds = Annotated[
    list[Annotated[int, Field(ge=1, le=BIGINT)]],
    Field(max_length=MAX_STATIONS),
    Says(N_("Choose sites from the list.")),
]
StationIds = Annotated[
    list[Annotated[str, Field(max_length=48)]],
    Field(max_length=MAX_STATIONS),
    Says(N_("Choose stations from the list.")),
]
Expected = Annotated[int | None, Field(ge=0, le=BIGINT)]


class SitesChosen(Fields):
    site: SiteIds = []


class StationsChosen(Fields):
    station: StationIds = []


class DeleteSites(SitesChosen):
    with_contents: Checkbox = False
    stations: Expected = None
    """How many stations the confirmation counted."""


class DeleteStations(StationsChosen):
    with_sessions: Checkbox = False


def _render(
    page: Page,
    removals: list[Removal],
    *,
    kind: str,
    action: str,
    error: str = "",
    status: int = 200,
) -> Response:
    stations = [row for removal in removals for row in removal.stations]
    total = sum((r.total for r in removals[1:]), removals[0].total) if removals else None
    return page.render(
        "assets/removal.html",
        {
            "kind": kind,
            "action": action,
            "removals": removals,
            "sites": [r.site for r in removals if r.site is not None],
            "stations": stations,
            "total": total,
            "archives": any(r.archives_sessions for r in removals),
            "kept_records": sum(r.kept_records for r in removals),
            "error": error,
            "station_url": station_url,
        },
        status,
    )


async def _site_removals(page: Page, site_ids: list[int]) -> list[Removal]:
    try:
        return [await page.web.services.removals.of_site(page.principal, s) for s in site_ids]
    except NotFound as error:
        raise not_found(page, error) from error


def _nothing_chosen(page: Page, what: str) -> WebError:
    _ = page.web.gettext
    if what == "sites":
        return WebError(400, _("Tick the sites to delete in the list first."))
    return WebError(400, _("Tick the stations to delete in the list first."))


# Sites ------------------------------------------------------------------------------------------


@router.get("/assets/sites/{site_id}/delete")
async def confirm_site_deletion(page: WritePage, site_id: SiteId) -> Response:
    removals = await _site_removals(page, [site_id])
    return _render(page, removals, kind="site", action=f"/assets/sites/{site_id}/delete")


@router.get("/assets/sites/delete")
async def confirm_sites_deletion(page: WritePage) -> Response:
    reading = page.web.query(SitesChosen)
    if reading.errors:
        raise WebError(400, next(iter(reading.errors.values())))
    chosen = list(dict.fromkeys(reading.data.site))
    if not chosen:
        raise _nothing_chosen(page, "sites")
    removals = await _site_removals(page, chosen)
    return _render(page, removals, kind="sites", action="/assets/sites/delete")


async def _delete_sites(
    page: Page, site_ids: list[int], form: DeleteSites, kind: str, action: str
) -> Response:
    _ = page.web.gettext
    try:
        await page.web.services.removals.delete_sites(
            page.principal,
            site_ids,
            with_contents=form.with_contents,
            expected_stations=form.stations if form.with_contents else None,
        )
    except NotFound as error:
        raise not_found(page, error) from error
    except Conflict as error:
        removals = await _site_removals(page, site_ids)
        if "changed" in str(error):
            message = _(
                "Stations were added or moved meanwhile: check the counts again. Nothing was "
                "deleted."
            )
        else:
            message = _(
                "Tick the box to delete the stations, their sessions and faults with the "
                "site. Nothing was deleted."
            )
        return _render(page, removals, kind=kind, action=action, error=message, status=409)
    notice = "site-deleted" if len(site_ids) == 1 else "sites-deleted"
    return redirect(f"/assets?notice={notice}#sites")


@router.post("/assets/sites/{site_id}/delete")
async def delete_site(page: WritePage, site_id: SiteId) -> Response:
    form = (await page.web.form(DeleteSites)).data
    return await _delete_sites(page, [site_id], form, "site", f"/assets/sites/{site_id}/delete")


@router.post("/assets/sites/delete")
async def delete_sites(page: WritePage) -> Response:
    reading = await page.web.form(DeleteSites)
    if reading.errors:
        raise WebError(400, next(iter(reading.errors.values())))
    chosen = list(dict.fromkeys(reading.data.site))
    if not chosen:
        raise _nothing_chosen(page, "sites")
    return await _delete_sites(page, chosen, reading.data, "sites", "/assets/sites/delete")


# Stations ---------------------------------------------------------------------------------------


async def _station_removal(page: Page, ocpp_ids: list[str]) -> Removal:
    try:
        return await page.web.services.removals.of_stations(page.principal, ocpp_ids)
    except NotFound as error:
        raise not_found(page, error) from error


@router.get("/assets/stations/delete")
async def confirm_stations_deletion(page: WritePage) -> Response:
    reading = page.web.query(StationsChosen)
    if reading.errors:
        raise WebError(400, next(iter(reading.errors.values())))
    chosen = list(dict.fromkeys(reading.data.station))
    if not chosen:
        raise _nothing_chosen(page, "stations")
    removal = await _station_removal(page, chosen)
    return _render(page, [removal], kind="stations", action="/assets/stations/delete")


@router.post("/assets/stations/delete")
async def delete_stations(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(DeleteStations)
    if reading.errors:
        raise WebError(400, next(iter(reading.errors.values())))
    chosen = list(dict.fromkeys(reading.data.station))
    if not chosen:
        raise _nothing_chosen(page, "stations")
    try:
        await page.web.services.removals.delete_stations(
            page.principal, chosen, with_sessions=reading.data.with_sessions
        )
    except NotFound as error:
        raise not_found(page, error) from error
    except Conflict:
        removal = await _station_removal(page, chosen)
        message = _(
            "Tick the box to delete the stations' charging sessions and faults with them. "
            "Nothing was deleted."
        )
        return _render(
            page,
            [removal],
            kind="stations",
            action="/assets/stations/delete",
            error=message,
            status=409,
        )
    return redirect("/assets?notice=stations-deleted#stations")
