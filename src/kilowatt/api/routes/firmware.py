"""Firmware images (uploaded as multipart/form-data), campaigns, per-station updates and the
fleet's versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from kilowatt.api.deps import AssetsRead, FirmwareManage, PageDep, ServicesDep
from kilowatt.api.multipart import is_multipart, read_form
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.firmware import (
    UPLOAD_FORM,
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    FirmwareForm,
    FirmwareOut,
    FirmwareUpdateOut,
    FirmwareVersionOut,
)
from kilowatt.domain.errors import InvalidInput, TooLarge
from kilowatt.domain.firmware import FirmwareUpdate
from kilowatt.services.firmware import CampaignInput, CampaignView, FirmwareInput
from kilowatt.services.ports import StoredFile

router = APIRouter(tags=["firmware"])

# Room for the form's boundaries and text fields beside the image.
FORM_OVERHEAD = 256 * 1024


def update_out(update: FirmwareUpdate) -> FirmwareUpdateOut:
    assert update.id is not None
    return FirmwareUpdateOut(
        id=update.id,
        station_id=update.station_ocpp_id,
        firmware_id=update.firmware_id,
        firmware_version=update.firmware_version,
        campaign_id=update.campaign_id,
        batch=update.batch,
        status=update.status,
        ocpp_status=update.ocpp_status,
        detail=update.detail,
        command_id=update.command_id,
        created_at=update.created_at,
        updated_at=update.updated_at,
        finished_at=update.finished_at,
    )


def _campaign_fields(view: CampaignView) -> dict[str, Any]:
    campaign = view.campaign
    return {
        "id": campaign.id,
        "name": campaign.name,
        "firmware_id": campaign.firmware_id,
        "firmware_version": campaign.firmware_version,
        "status": campaign.status,
        "first_batch_size": campaign.first_batch_size,
        "selection": campaign.selection,
        "retrieve_at": campaign.retrieve_at,
        "retries": campaign.retries,
        "retry_interval": campaign.retry_interval,
        "reason": campaign.reason,
        "requested_by": campaign.requested_by,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "finished_at": campaign.finished_at,
        "progress": view.counts,
    }


def campaign_out(view: CampaignView) -> CampaignOut:
    return CampaignOut(**_campaign_fields(view))


def campaign_detail(view: CampaignView) -> CampaignDetailOut:
    return CampaignDetailOut(
        **_campaign_fields(view), targets=[update_out(u) for u in view.updates]
    )


def content_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


# Images -----------------------------------------------------------------------------------


@router.post(
    "/firmware",
    response_model=FirmwareOut,
    status_code=201,
    openapi_extra=UPLOAD_FORM,
    responses={413: {"description": "Larger than KILOWATT_FIRMWARE_MAX_BYTES"}},
)
async def upload_firmware(
    request: Request, services: ServicesDep, principal: FirmwareManage
) -> FirmwareOut:
    """Upload an image as multipart/form-data: `file` and its `version`, optionally the
    `vendor`/`model` it is for and, for 2.0.1 stations, its `signing_certificate` and
    `signature`."""
    firmware = services.firmware
    content_type = request.headers.get("content-type", "")
    if not is_multipart(content_type):
        raise HTTPException(415, "send multipart/form-data with the image as `file`")
    length = content_length(request)
    if length is not None and length > firmware.max_bytes + FORM_OVERHEAD:
        raise TooLarge(f"the image is larger than {firmware.max_bytes} bytes", firmware.max_bytes)
    stored: list[tuple[str, StoredFile]] = []

    async def keep(name: str, _: str, chunks: AsyncIterator[bytes]) -> None:
        stored.append((name, await firmware.receive(chunks)))

    try:
        fields, _ = await read_form(content_type, request.stream(), keep)
        if not stored:
            raise InvalidInput("file", "send the image as the form's `file` part")
        try:
            form = FirmwareForm.model_validate(fields)
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from error
    except BaseException:
        for _, kept in stored:
            await firmware.discard(kept)
        raise
    name, kept = stored[0]
    image = await firmware.add(
        principal,
        FirmwareInput(file_name=name, **form.model_dump()),
        kept,
        f"api:{principal.name}",
    )
    return FirmwareOut.model_validate(image)


@router.get("/firmware", response_model=Page[FirmwareOut])
async def list_firmware(
    services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[FirmwareOut]:
    """Uploaded images, newest first."""
    found = await services.firmware.search(principal, page)
    return Page.of(found.items, found.next_cursor, FirmwareOut.model_validate)


@router.get("/firmware/versions", response_model=list[FirmwareVersionOut])
async def firmware_versions(
    services: ServicesDep, principal: AssetsRead
) -> list[FirmwareVersionOut]:
    """The fleet: stations counted by vendor, model and the firmware version they report."""
    found = await services.firmware.versions(principal)
    return [FirmwareVersionOut.model_validate(item) for item in found]


@router.get("/firmware/{firmware_id}", response_model=FirmwareOut)
async def get_firmware(
    firmware_id: Id, services: ServicesDep, principal: AssetsRead
) -> FirmwareOut:
    image = await services.firmware.get(principal, firmware_id)
    return FirmwareOut.model_validate(image)


@router.get(
    "/firmware/{firmware_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download_firmware(
    firmware_id: Id, services: ServicesDep, principal: FirmwareManage
) -> FileResponse:
    image, path = await services.firmware.file(principal, firmware_id)
    return FileResponse(path, media_type="application/octet-stream", filename=image.file_name)


@router.delete("/firmware/{firmware_id}", status_code=204, responses={409: {}})
async def delete_firmware(
    firmware_id: Id, services: ServicesDep, principal: FirmwareManage
) -> Response:
    """Refused (409) while a running campaign uses the image."""
    await services.firmware.delete(principal, firmware_id)
    return Response(status_code=204)


# Campaigns -------------------------------------------------------------------------------


@router.post("/firmware-campaigns", response_model=CampaignDetailOut, status_code=201)
async def create_campaign(
    body: CampaignIn, services: ServicesDep, principal: FirmwareManage
) -> CampaignDetailOut:
    """Roll an image out to a group of stations (named ones, and/or those of a site or of a
    vendor/model): the first batch gets it at once, the rest once every station of the first
    batch reports it Installed. A failure in the first batch halts the campaign."""
    view = await services.firmware.create_campaign(
        principal,
        CampaignInput(**body.model_dump()),
        f"api:{principal.name}",
    )
    return campaign_detail(view)


@router.get("/firmware-campaigns", response_model=Page[CampaignOut])
async def list_campaigns(
    services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[CampaignOut]:
    found = await services.firmware.search_campaigns(principal, page)
    return Page.of(found.items, found.next_cursor, campaign_out)


@router.get("/firmware-campaigns/{campaign_id}", response_model=CampaignDetailOut)
async def get_campaign(
    campaign_id: Id, services: ServicesDep, principal: AssetsRead
) -> CampaignDetailOut:
    """The campaign with every station's progress."""
    return campaign_detail(await services.firmware.get_campaign(principal, campaign_id))


@router.post(
    "/firmware-campaigns/{campaign_id}/cancel",
    response_model=CampaignDetailOut,
    responses={409: {"description": "The campaign has already finished"}},
)
async def cancel_campaign(
    campaign_id: Id, services: ServicesDep, principal: FirmwareManage
) -> CampaignDetailOut:
    """Stations that have not been sent the update never get it; those that have go on."""
    view = await services.firmware.cancel_campaign(principal, campaign_id, f"api:{principal.name}")
    return campaign_detail(view)


@router.get("/stations/{station_id}/firmware-updates", response_model=Page[FirmwareUpdateOut])
async def station_firmware_updates(
    station_id: str, services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[FirmwareUpdateOut]:
    """The station's firmware updates and their progress, newest first."""
    found = await services.firmware.station_updates(principal, station_id, page)
    return Page.of(found.items, found.next_cursor, update_out)
