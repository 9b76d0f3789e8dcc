"""The station page's diagnostics tool: ask the station for its diagnostics or a log
(GetDiagnostics in 1.6, GetLog in 2.0.1) over days in the site's time zone, follow the upload
(polled by htmx while one is awaited) and download the file once it arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from starlette.responses import Response

from kilowatt.domain.command_params import CommandParams, GetDiagnostics, GetLog
from kilowatt.domain.diagnostics import DiagnosticsUpload, UploadStatus
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import day_bounds, format_local, zone_of
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.stations import OcppId
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import Day, Fields, Says
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.kit.templating import SECURITY_HEADERS
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.routes.stations.tools import Outcome, outcome_of
from kilowatt.web.operator.rows.firmware import size_words
from kilowatt.web.operator.rows.stations import station_url

router = APIRouter()

DiagnosticsPage = Annotated[
    Page,
    Depends(page_for(Permission.ASSETS_READ, Permission.COMMANDS_SEND, Permission.FIRMWARE_MANAGE)),
]
UploadId = Annotated[int, Depends(path_id("upload_id", N_("There is no such upload.")))]
UPLOADS = 5
POLL_SECONDS = 3
AWAITED = timedelta(hours=1)
"""An upload asked for longer ago than this is no longer polled for."""
WAIT = 10.0


class DiagnosticsForm(Fields):
    start: Day = None
    stop: Day = None
    log_type: Annotated[
        Literal["DiagnosticsLog", "SecurityLog"] | None, Says(N_("Choose a log."))
    ] = None

    def problems(self) -> dict[str, str]:
        if self.start is not None and self.stop is not None and self.start > self.stop:
            return {"stop": N_("The last day comes before the first.")}
        return {}


def upload_words(gettext: Any) -> dict[str, str]:
    _ = gettext
    return {
        UploadStatus.REQUESTED.value: _("Asked of the station"),
        UploadStatus.UPLOADING.value: _("Uploading"),
        UploadStatus.UPLOADED.value: _("Received"),
        UploadStatus.FAILED.value: _("Failed"),
    }


def log_words(gettext: Any) -> dict[str, str]:
    _ = gettext
    return {"DiagnosticsLog": _("Diagnostics log"), "SecurityLog": _("Security log")}


TONES = {
    UploadStatus.UPLOADED.value: "available",
    UploadStatus.FAILED.value: "faulted",
}


async def diagnostics_context(
    page: Page, ocpp_id: str, timezone: str, protocol: str | None, **extra: Any
) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "diagnostics_url": station_url(ocpp_id) + "/diagnostics",
        "log_types": list(log_words(page.web.gettext).items()),
        "values": {},
        "errors": {},
        "outcome": None,
        **(await uploads_context(page, ocpp_id, timezone)),
        **extra,
    }


async def uploads_context(page: Page, ocpp_id: str, timezone: str) -> dict[str, Any]:
    found = await page.web.services.diagnostics.search(
        page.principal, ocpp_id, PageRequest(limit=UPLOADS)
    )
    zone = zone_of(timezone)
    words, logs = upload_words(page.web.gettext), log_words(page.web.gettext)
    now = datetime.now(UTC)
    awaited = [
        u
        for u in found.items
        if u.status in (UploadStatus.REQUESTED, UploadStatus.UPLOADING)
        and now - u.created_at < AWAITED
    ]
    return {
        "uploads": [_row(u, ocpp_id, zone, words, logs) for u in found.items],
        "uploads_url": station_url(ocpp_id) + "/diagnostics/uploads",
        "uploads_poll": POLL_SECONDS if awaited else 0,
        "uploads_zone": timezone,
    }


def _row(
    upload: DiagnosticsUpload, ocpp_id: str, zone: Any, words: dict[str, str], logs: dict[str, str]
) -> dict[str, Any]:
    status = upload.status.value
    received = upload.status is UploadStatus.UPLOADED
    return {
        "id": upload.id,
        "log": logs.get(upload.log_type, upload.log_type),
        "status": status,
        "status_text": words[status],
        "tone": TONES.get(status, "charging"),
        "reported": upload.station_status,
        "error": upload.error,
        "file_name": upload.file_name,
        "size": size_words(upload.size) if upload.size is not None else "",
        "asked": format_local(upload.created_at, zone),
        "download": (f"{station_url(ocpp_id)}/diagnostics/{upload.id}/file" if received else ""),
    }


async def _timezone(page: Page, ocpp_id: str) -> tuple[str, str | None]:
    station = (await find_station(page, ocpp_id)).station
    site = await site_of(page, station)
    return (site.timezone if site else "UTC"), station.protocol_version


@router.get("/stations/{ocpp_id}/diagnostics/uploads")
async def station_uploads(ocpp_id: str, page: DiagnosticsPage) -> Response:
    timezone, _ = await _timezone(page, ocpp_id)
    context = await uploads_context(page, ocpp_id, timezone)
    return page.render("stations/tools/_uploads.html", context)


@router.post("/stations/{ocpp_id}/diagnostics")
async def request_diagnostics(ocpp_id: str, page: DiagnosticsPage) -> Response:
    _ = page.web.gettext
    timezone, protocol = await _timezone(page, ocpp_id)
    reading = await page.web.form(DiagnosticsForm)
    errors = dict(reading.errors)
    extra: dict[str, Any] = {"values": reading.values, "errors": errors}
    if errors:
        return await _render(page, ocpp_id, timezone, protocol, 422, **extra)
    form = reading.data
    zone = zone_of(timezone)
    start, stop = day_bounds(form.start, form.stop, zone)
    params: CommandParams
    if protocol == "2.0.1":
        params = GetLog(start=start, stop=stop, log_type=form.log_type or "DiagnosticsLog")
    else:
        params = GetDiagnostics(start=start, stop=stop)
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
        extra["outcome"] = Outcome(
            error=_("The command was not sent: %(reason)s") % {"reason": refusal(invalid, _)}
        )
    except DomainError as failed:
        extra["outcome"] = Outcome(
            error=_("The command was not sent: %(reason)s") % {"reason": refusal(failed, _)}
        )
    return await _render(page, ocpp_id, timezone, protocol, **extra)


async def _render(
    page: Page,
    ocpp_id: str,
    timezone: str,
    protocol: str | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = await diagnostics_context(page, ocpp_id, timezone, protocol, **extra)
    return page.render("stations/tools/diagnostics.html", context, status)


@router.get("/stations/{ocpp_id}/diagnostics/{upload_id}/file")
async def download_upload(ocpp_id: str, upload_id: UploadId, page: DiagnosticsPage) -> Response:
    try:
        upload, path = await page.web.services.diagnostics.file(page.principal, ocpp_id, upload_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No file has arrived for this request.")) from None
    media = upload.content_type or "application/octet-stream"
    if media.startswith(("multipart/", "text/html")):
        media = "application/octet-stream"
    return FileResponse(path, media_type=media, filename=upload.file_name, headers=SECURITY_HEADERS)
