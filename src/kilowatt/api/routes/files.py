"""What stations reach without an API key: firmware downloads by signed, expiring link, and
diagnostics uploads by one-time token. Mounted at /files, outside /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

from kilowatt.api.deps import ServicesDep
from kilowatt.api.multipart import is_multipart, read_form
from kilowatt.api.schemas.diagnostics import UploadReceipt
from kilowatt.domain.errors import Forbidden, TooLarge
from kilowatt.services.diagnostics import StoredUpload

router = APIRouter(prefix="/files", tags=["files (for stations)"])

FORM_OVERHEAD = 64 * 1024


FIRMWARE_LINK = "/firmware/{firmware_id}/{expires}/{signature}/{file_name}"
FIRMWARE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/octet-stream": {}}},
    206: {"description": "The range asked for"},
    403: {"description": "The link is not valid or has expired"},
}


@router.head(
    FIRMWARE_LINK,
    response_class=FileResponse,
    responses=FIRMWARE_RESPONSES,
    operation_id="firmware_download_head",
)
@router.get(
    FIRMWARE_LINK,
    response_class=FileResponse,
    responses=FIRMWARE_RESPONSES,
    operation_id="firmware_download",
)
async def firmware_download(
    firmware_id: str, expires: str, signature: str, file_name: str, services: ServicesDep
) -> FileResponse:
    """A firmware image, at the signed link a station got in UpdateFirmware (GET or HEAD;
    Range requests let a station resume)."""
    if not (firmware_id.isdigit() and expires.isdigit()) or len(expires) > 12:
        raise Forbidden("not a firmware link")
    image, path = await services.firmware.download(
        int(firmware_id), file_name, int(expires), signature
    )
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=image.file_name,
        headers={"Cache-Control": "private, no-store"},
    )


UPLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"description": "Unknown, used or expired token"},
    413: {"description": "Larger than KILOWATT_DIAGNOSTICS_MAX_BYTES"},
}


async def _upload(
    token: str, file_name: str, request: Request, services: ServicesDep
) -> UploadReceipt:
    diagnostics = services.diagnostics
    content_type = request.headers.get("content-type", "")
    length = request.headers.get("content-length", "")
    overhead = FORM_OVERHEAD if is_multipart(content_type) else 0
    if length.isdigit() and int(length) > diagnostics.max_bytes + overhead:
        raise TooLarge(
            f"the file is larger than {diagnostics.max_bytes} bytes", diagnostics.max_bytes
        )
    if is_multipart(content_type):
        kept: list[tuple[str, str, StoredUpload]] = []

        async def keep(name: str, part_type: str, chunks: AsyncIterator[bytes]) -> None:
            kept.append((name, part_type, await diagnostics.store_file(token, chunks)))

        try:
            await read_form(content_type, request.stream(), keep)
            if not kept:
                raise HTTPException(400, "the form holds no file")
        except BaseException:
            for _, _, stored in kept:
                await diagnostics.discard(stored)
            raise
        name, part_type, stored = kept[0]
        upload = await diagnostics.accept(
            token, stored, name or file_name, part_type or "application/octet-stream"
        )
    else:
        upload = await diagnostics.receive(
            token, file_name, content_type or "application/octet-stream", request.stream()
        )
    return UploadReceipt(
        status=upload.status.value,
        file_name=upload.file_name,
        size=upload.size or 0,
        sha256=upload.sha256,
    )


@router.post(
    "/uploads/{token}",
    status_code=201,
    response_model=UploadReceipt,
    responses=UPLOAD_RESPONSES,
    operation_id="upload_post",
)
@router.put(
    "/uploads/{token}",
    status_code=201,
    response_model=UploadReceipt,
    responses=UPLOAD_RESPONSES,
    operation_id="upload_put",
)
async def upload(token: str, request: Request, services: ServicesDep) -> UploadReceipt:
    """A station's diagnostics or log file, at the location it got in GetDiagnostics /
    GetLog: the raw body (PUT or POST), or a multipart/form-data file (POST). The token
    takes one file, until it expires."""
    return await _upload(token, "", request, services)


@router.post(
    "/uploads/{token}/{file_name:path}",
    status_code=201,
    response_model=UploadReceipt,
    responses=UPLOAD_RESPONSES,
    operation_id="upload_named_post",
)
@router.put(
    "/uploads/{token}/{file_name:path}",
    status_code=201,
    response_model=UploadReceipt,
    responses=UPLOAD_RESPONSES,
    operation_id="upload_named_put",
)
async def upload_named(
    token: str, file_name: str, request: Request, services: ServicesDep
) -> UploadReceipt:
    """The same, for stations that append the file's name to the location (many 1.6 ones)."""
    return await _upload(token, file_name, request, services)
