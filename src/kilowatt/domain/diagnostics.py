"""Diagnostics and logs a station uploads to Kilowatt: each GetDiagnostics (1.6) / GetLog
(2.0.1) opens an upload slot with a one-time token; the file the station sends there is kept
and listed with the station."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kilowatt.domain.errors import Forbidden


class UploadStatus(StrEnum):
    REQUESTED = "requested"
    """Asked of the station; nothing received yet."""
    UPLOADING = "uploading"
    """The station says it is uploading."""
    UPLOADED = "uploaded"
    """The file is here."""
    FAILED = "failed"
    """The station refused, or said the upload failed, and no file arrived."""


# DiagnosticsStatusNotification (1.6) and LogStatusNotification (1.6 security, 2.0.1) values.
STATION_PROGRESS: dict[str, UploadStatus] = {
    "Uploading": UploadStatus.UPLOADING,
    "UploadFailed": UploadStatus.FAILED,
    "UploadFailure": UploadStatus.FAILED,
    "BadMessage": UploadStatus.FAILED,
    "NotSupportedOperation": UploadStatus.FAILED,
    "PermissionDenied": UploadStatus.FAILED,
}


@dataclass(eq=False)
class DiagnosticsUpload:
    organization_id: int
    station_id: int
    token_digest: str
    expires_at: datetime
    status: UploadStatus
    created_at: datetime
    updated_at: datetime
    log_type: str = "DiagnosticsLog"
    command_id: int | None = None
    station_status: str = ""
    """The last status the station reported, as it said it."""
    file_name: str = ""
    content_type: str = ""
    size: int | None = None
    sha256: str = ""
    storage_key: str = ""
    error: str = ""
    uploaded_at: datetime | None = None
    id: int | None = None


def check_open(upload: DiagnosticsUpload | None, now: datetime) -> DiagnosticsUpload:
    """The slot a token opens, if it still takes a file: once, and before it expires."""
    if upload is None:
        raise Forbidden("unknown upload token")
    if upload.status is UploadStatus.UPLOADED:
        raise Forbidden("this upload token has been used")
    if now >= upload.expires_at:
        raise Forbidden("this upload token has expired")
    return upload


def received(
    upload: DiagnosticsUpload,
    *,
    file_name: str,
    content_type: str,
    size: int,
    sha256: str,
    storage_key: str,
    now: datetime,
) -> None:
    upload.status = UploadStatus.UPLOADED
    upload.file_name = file_name
    upload.content_type = content_type[:100]
    upload.size = size
    upload.sha256 = sha256
    upload.storage_key = storage_key
    upload.error = ""
    upload.uploaded_at = now
    upload.updated_at = now


def apply_station_status(upload: DiagnosticsUpload, status: str, now: datetime) -> bool:
    """What the station says about its upload. A file that arrived stays uploaded whatever
    the station says afterwards."""
    upload.station_status = status
    upload.updated_at = now
    new = STATION_PROGRESS.get(status)
    if new is None or upload.status is UploadStatus.UPLOADED:
        return False
    upload.status = new
    if new is UploadStatus.FAILED:
        upload.error = f"station reported {status}"
    return True


def refused(upload: DiagnosticsUpload, error: str, now: datetime) -> None:
    if upload.status is UploadStatus.UPLOADED:
        return
    upload.status = UploadStatus.FAILED
    upload.error = error[:500]
    upload.updated_at = now
