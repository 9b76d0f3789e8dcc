"""The station page's firmware tool: update this one station to an uploaded image (after a
confirmation that counts the sessions it interrupts), and the station's updates with where
each stands (polled by htmx while one is under way)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from kilowatt.domain.command_params import UpdateFirmware
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import zone_of
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.stations import OcppId
from kilowatt.web.kit.forms import REQUIRED, Fields, Id, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.disruption import (
    Confirmation,
    Disruption,
    running_sessions,
    what_it_does,
)
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.routes.stations.tools import Outcome, outcome_of
from kilowatt.web.operator.rows.firmware import UpdateRow
from kilowatt.web.operator.rows.stations import station_url

router = APIRouter()

UpdatePage = Annotated[
    Page,
    Depends(page_for(Permission.ASSETS_READ, Permission.COMMANDS_SEND, Permission.FIRMWARE_MANAGE)),
]
IMAGES = 50
UPDATES = 5
POLL_SECONDS = 3
WAIT = 10.0


class UpdateForm(Fields):
    firmware_id: Annotated[Id, REQUIRED, Says(N_("Choose an image."))] = None


async def firmware_context(page: Page, ocpp_id: str, **extra: Any) -> dict[str, Any]:
    """What the firmware tool shows: the images to choose from and the station's updates."""
    firmware = page.web.services.firmware
    images = await firmware.search(page.principal, PageRequest(limit=IMAGES))
    return {
        "firmware_url": station_url(ocpp_id) + "/firmware",
        "image_choices": [
            (str(i.id), " · ".join(p for p in (i.version, i.vendor, i.model) if p))
            for i in images.items
        ],
        "values": {},
        "errors": {},
        "outcome": None,
        "disruption": None,
        **(await updates_context(page, ocpp_id)),
        **extra,
    }


async def updates_context(page: Page, ocpp_id: str) -> dict[str, Any]:
    found = await page.web.services.firmware.station_updates(
        page.principal, ocpp_id, PageRequest(limit=UPDATES)
    )
    rows = [UpdateRow.of(u, zone_of("UTC"), page.web.gettext) for u in found.items]
    return {
        "updates": rows,
        "updates_url": station_url(ocpp_id) + "/firmware/updates",
        "updates_poll": POLL_SECONDS if any(not u.done for u in found.items) else 0,
    }


@router.get("/stations/{ocpp_id}/firmware/updates")
async def station_updates(ocpp_id: str, page: UpdatePage) -> Response:
    await find_station(page, ocpp_id)
    return page.render("stations/tools/_updates.html", await updates_context(page, ocpp_id))


@router.post("/stations/{ocpp_id}/firmware")
async def update_station(ocpp_id: str, page: UpdatePage) -> Response:
    _ = page.web.gettext
    station = (await find_station(page, ocpp_id)).station
    reading = await page.web.form(UpdateForm)
    errors = dict(reading.errors)
    extra: dict[str, Any] = {"values": reading.values, "errors": errors}
    firmware_id = reading.data.firmware_id
    if errors or firmware_id is None:
        return await _render(page, ocpp_id, 422, **extra)
    try:
        image = await page.web.services.firmware.get(page.principal, firmware_id)
    except NotFound:
        errors["firmware_id"] = _("There is no such firmware image.")
        return await _render(page, ocpp_id, 422, **extra)
    params = UpdateFirmware(firmware_id=firmware_id)
    if not (await page.web.form(Confirmation)).data.confirm:
        site = await site_of(page, station)
        zone = zone_of(site.timezone if site else None)
        what, button = what_it_does(params, ocpp_id, _, image.version)
        extra["disruption"] = Disruption(
            what=what,
            button=button,
            sessions=await running_sessions(page, ocpp_id, zone),
            url=station_url(ocpp_id) + "/firmware",
            target="#tool-update-firmware",
            fields=[("firmware_id", str(firmware_id))],
            cancel_url=station_url(ocpp_id),
            swap="outerHTML",
        )
        return await _render(page, ocpp_id, **extra)
    try:
        command = await page.web.services.commands.execute(
            page.principal, OcppId(ocpp_id), params, f"web:{page.principal.name}", wait=WAIT
        )
        extra["outcome"] = outcome_of(page, ocpp_id, command)
    except StationOffline:
        extra["outcome"] = Outcome(
            error=_("The station is not connected: the command was not sent.")
        )
    except InvalidInput as invalid:
        errors["firmware_id"] = refusal(invalid, _)
        return await _render(page, ocpp_id, 422, **extra)
    except DomainError as failed:
        extra["outcome"] = Outcome(
            error=_("The command was not sent: %(reason)s") % {"reason": refusal(failed, _)}
        )
    return await _render(page, ocpp_id, **extra)


async def _render(page: Page, ocpp_id: str, status: int = 200, **extra: Any) -> Response:
    context = await firmware_context(page, ocpp_id, **extra)
    return page.render("stations/tools/firmware.html", context, status)
