"""Diagnostics and logs uploaded by a station, listed and downloaded through the API."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from kilowatt.api.deps import AssetsRead, FirmwareManage, PageDep, ServicesDep
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.diagnostics import DiagnosticsUploadOut
from kilowatt.domain.diagnostics import DiagnosticsUpload

router = APIRouter(prefix="/stations/{station_id}/diagnostics", tags=["diagnostics"])


def upload_out(station_id: str, upload: DiagnosticsUpload) -> DiagnosticsUploadOut:
    assert upload.id is not None
    return DiagnosticsUploadOut(
        id=upload.id,
        station_id=station_id,
        command_id=upload.command_id,
        status=upload.status,
        station_status=upload.station_status,
        log_type=upload.log_type,
        file_name=upload.file_name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        error=upload.error,
        created_at=upload.created_at,
        updated_at=upload.updated_at,
        uploaded_at=upload.uploaded_at,
        expires_at=upload.expires_at,
    )


@router.get("", response_model=Page[DiagnosticsUploadOut])
async def list_diagnostics(
    station_id: str, services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[DiagnosticsUploadOut]:
    """Every get-diagnostics request of the station and the file it brought, newest first."""
    found = await services.diagnostics.search(principal, station_id, page)
    return Page.of(found.items, found.next_cursor, lambda u: upload_out(station_id, u))


@router.get("/{upload_id}", response_model=DiagnosticsUploadOut)
async def get_diagnostics(
    station_id: str, upload_id: Id, services: ServicesDep, principal: AssetsRead
) -> DiagnosticsUploadOut:
    upload = await services.diagnostics.get(principal, station_id, upload_id)
    return upload_out(station_id, upload)


@router.get(
    "/{upload_id}/file",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        404: {"description": "No file has arrived (yet)"},
    },
)
async def download_diagnostics(
    station_id: str, upload_id: Id, services: ServicesDep, principal: FirmwareManage
) -> FileResponse:
    upload, path = await services.diagnostics.file(principal, station_id, upload_id)
    return FileResponse(
        path,
        media_type=upload.content_type
        if upload.content_type and not upload.content_type.startswith("multipart/")
        else "application/octet-stream",
        filename=upload.file_name,
    )
