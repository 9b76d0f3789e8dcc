from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.diagnostics import UploadStatus


class DiagnosticsUploadOut(Schema):
    id: int
    station_id: str
    command_id: int | None
    status: UploadStatus
    station_status: str = Field(description="The last status the station reported.")
    log_type: str
    file_name: str
    content_type: str
    size: int | None
    sha256: str
    error: str
    created_at: datetime
    updated_at: datetime
    uploaded_at: datetime | None
    expires_at: datetime = Field(description="The upload location works until then.")


class UploadReceipt(Schema):
    """What a station is told after its upload."""

    status: str
    file_name: str
    size: int
    sha256: str
