"""The firmware page (/firmware): images uploaded and deleted, staged campaigns started, and a
campaign's page with the progress of each station (its part polled by htmx while it runs).
Everything goes through the firmware service, as the API's routes do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound, TooLarge
from kilowatt.domain.exports import zone_of
from kilowatt.domain.firmware import MAX_CERTIFICATE, MAX_SIGNATURE
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.firmware import CampaignInput, FirmwareInput
from kilowatt.services.ports import StationFilter
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import REQUIRED, Fields, Id, Says, Upload
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.rows.firmware import CampaignRow, ImageRow, UpdateRow

router = APIRouter()

FirmwarePage = Annotated[
    Page, Depends(page_for(Permission.ASSETS_READ, Permission.FIRMWARE_MANAGE))
]
ImageId = Annotated[int, Depends(path_id("firmware_id", N_("There is no such firmware image.")))]
CampaignId = Annotated[
    int, Depends(path_id("campaign_id", N_("There is no such firmware campaign.")))
]
CHUNK = 1024 * 1024
LISTED = 50
POLL_SECONDS = 2


class UploadForm(Fields):
    file: Annotated[Upload, REQUIRED, Says(N_("Choose the image file."))] = None
    version: Annotated[
        str,
        Field(max_length=50),
        REQUIRED,
        Says(N_("Enter the image's version (at most 50 characters).")),
    ] = ""
    vendor: Annotated[str, Field(max_length=50)] = ""
    model: Annotated[str, Field(max_length=50)] = ""
    description: Annotated[str, Field(max_length=500)] = ""
    signing_certificate: Annotated[str, Field(max_length=MAX_CERTIFICATE)] = ""
    signature: Annotated[str, Field(max_length=MAX_SIGNATURE)] = ""


class CampaignForm(Fields):
    firmware_id: Annotated[Id, REQUIRED, Says(N_("Choose an image."))] = None
    name: Annotated[str, Field(max_length=200)] = ""
    station: list[Annotated[str, Field(max_length=255)]] = []
    site_id: Id = None
    first_batch_size: Annotated[
        int | None, Field(ge=1, le=10_000), Says(N_("Enter a whole number from 1 to 10000."))
    ] = None


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def _firmware_page(
    page: Page,
    status: int = 200,
    *,
    upload: dict[str, Any] | None = None,
    campaign: dict[str, Any] | None = None,
    notice: str = "",
) -> Response:
    services = page.web.services
    zone = zone_of("UTC")
    _ = page.web.gettext
    images = await services.firmware.search(page.principal, PageRequest(limit=LISTED))
    campaigns = await services.firmware.search_campaigns(page.principal, PageRequest(limit=LISTED))
    stations = await services.stations.search(
        page.principal, PageRequest(limit=MAX_PAGE), StationFilter()
    )
    sites = await services.sites.search(page.principal, PageRequest(limit=MAX_PAGE))
    return page.render(
        "firmware/index.html",
        {
            "images": [ImageRow.of(i, zone) for i in images.items],
            "image_choices": [
                (str(i.id), " · ".join(p for p in (i.version, i.vendor, i.model) if p))
                for i in images.items
            ],
            "campaigns": [CampaignRow.of(v.campaign, v.counts, zone, _) for v in campaigns.items],
            "stations": sorted(s.ocpp_id for s in stations.items),
            "sites": sorted(((str(s.id), s.name) for s in sites.items), key=lambda s: s[1]),
            "upload": {"values": {}, "errors": {}, **(upload or {})},
            "campaign": {"values": {}, "errors": {}, "stations": [], **(campaign or {})},
            "notice": notice,
            "notice_tone": "ok" if status < 400 else "bad",
            "max_mb": services.firmware.max_bytes // (1024 * 1024),
            "zone": "UTC",
        },
        status,
    )


@router.get("/firmware")
async def firmware_index(page: FirmwarePage) -> Response:
    return await _firmware_page(page)


@router.post("/firmware/images")
async def upload_image(page: FirmwarePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(UploadForm)
    errors = dict(reading.errors)
    form = reading.data
    shown = {"values": reading.values, "errors": errors}
    if errors or form.file is None:
        return await _firmware_page(page, 422, upload=shown)
    firmware = page.web.services.firmware
    try:
        stored = await firmware.receive(_chunks(form.file))
    except TooLarge:
        errors["file"] = _("The file is larger than %(mb)s MB.") % {
            "mb": firmware.max_bytes // (1024 * 1024)
        }
        return await _firmware_page(page, 413, upload=shown)
    data = FirmwareInput(
        version=form.version,
        file_name=form.file.filename or "",
        vendor=form.vendor,
        model=form.model,
        description=form.description,
        signing_certificate=form.signing_certificate,
        signature=form.signature,
    )
    try:
        image = await firmware.add(page.principal, data, stored, f"web:{page.principal.name}")
    except InvalidInput as invalid:
        errors[invalid.field if invalid.field in UploadForm.model_fields else "file"] = (
            _("The file is empty.") if invalid.field == "file" else refusal(invalid, _)
        )
        return await _firmware_page(page, 422, upload=shown)
    notice = _("Firmware %(version)s was uploaded.") % {"version": image.version}
    return await _firmware_page(page, notice=notice)


@router.post("/firmware/images/{firmware_id}/delete")
async def delete_image(firmware_id: ImageId, page: FirmwarePage) -> Response:
    _ = page.web.gettext
    try:
        await page.web.services.firmware.delete(page.principal, firmware_id)
    except NotFound:
        raise WebError(404, _("There is no such firmware image.")) from None
    except Conflict:
        notice = _("A running campaign uses this image: cancel the campaign first.")
        return await _firmware_page(page, 409, notice=notice)
    return RedirectResponse("/firmware", status_code=303)


@router.post("/firmware/campaigns")
async def start_campaign(page: FirmwarePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(CampaignForm)
    form = reading.data
    errors = dict(reading.errors)
    if not errors and not form.station and form.site_id is None:
        errors["station"] = _("Choose the stations, or a site whose stations get the update.")
    shown = {"values": reading.values, "errors": errors, "stations": form.station}
    if errors or form.firmware_id is None:
        return await _firmware_page(page, 422, campaign=shown)
    data = CampaignInput(
        firmware_id=form.firmware_id,
        name=form.name,
        station_ids=tuple(form.station),
        site_id=form.site_id,
        first_batch_size=form.first_batch_size,
    )
    try:
        view = await page.web.services.firmware.create_campaign(
            page.principal, data, f"web:{page.principal.name}"
        )
    except NotFound as missing:
        if missing.entity == "firmware":
            errors["firmware_id"] = _("There is no such firmware image.")
        elif missing.entity == "site":
            errors["site_id"] = _("There is no such site.")
        else:
            errors["station"] = _("There is no station %(id)s.") % {"id": missing.key}
        return await _firmware_page(page, 422, campaign=shown)
    except (InvalidInput, Conflict) as refused:
        field = getattr(refused, "field", "station")
        field = {"station_ids": "station"}.get(field, field)
        message = getattr(refused, "message", str(refused))
        errors[field if field in CampaignForm.model_fields else "station"] = message
        return await _firmware_page(page, 422, campaign=shown)
    assert view.campaign.id is not None
    return RedirectResponse(f"/firmware/campaigns/{view.campaign.id}", status_code=303)


async def _campaign(page: Page, campaign_id: int, template: str) -> Response:
    _ = page.web.gettext
    try:
        view = await page.web.services.firmware.get_campaign(page.principal, campaign_id)
    except NotFound:
        raise WebError(404, _("There is no such firmware campaign.")) from None
    zone = zone_of("UTC")
    row = CampaignRow.of(view.campaign, view.counts, zone, _)
    return page.render(
        template,
        {
            "campaign": row,
            "targets": [
                UpdateRow.of(u, zone, _)
                for u in sorted(view.updates, key=lambda u: (u.batch, u.station_ocpp_id))
            ],
            "poll": POLL_SECONDS if row.active else 0,
            "zone": "UTC",
        },
    )


@router.get("/firmware/campaigns/{campaign_id}")
async def campaign_page(campaign_id: CampaignId, page: FirmwarePage) -> Response:
    return await _campaign(page, campaign_id, "firmware/campaign.html")


@router.get("/firmware/campaigns/{campaign_id}/progress")
async def campaign_progress(campaign_id: CampaignId, page: FirmwarePage) -> Response:
    """The campaign's progress (htmx polls it while the campaign runs)."""
    return await _campaign(page, campaign_id, "firmware/_progress.html")


@router.post("/firmware/campaigns/{campaign_id}/cancel")
async def cancel_campaign(campaign_id: CampaignId, page: FirmwarePage) -> Response:
    _ = page.web.gettext
    try:
        await page.web.services.firmware.cancel_campaign(
            page.principal, campaign_id, f"web:{page.principal.name}"
        )
    except NotFound:
        raise WebError(404, _("There is no such firmware campaign.")) from None
    except Conflict:
        pass  # it finished meanwhile: its page says how
    return RedirectResponse(f"/firmware/campaigns/{campaign_id}", status_code=303)
