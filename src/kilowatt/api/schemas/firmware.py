"""Firmware images, updates, campaigns and the fleet's versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from kilowatt.api.schemas.common import AwareDatetime, Id, Positive, Schema
from kilowatt.domain.firmware import MAX_CERTIFICATE, MAX_SIGNATURE, CampaignStatus, UpdateStatus


class FirmwareForm(Schema):
    """The text fields of a firmware upload (multipart/form-data, beside ``file``)."""

    version: str = Field(min_length=1, max_length=50)
    vendor: str = Field(default="", max_length=50, description="Only for this vendor.")
    model: str = Field(default="", max_length=50, description="Only for this model.")
    signing_certificate: str = Field(default="", max_length=MAX_CERTIFICATE)
    signature: str = Field(default="", max_length=MAX_SIGNATURE)
    description: str = Field(default="", max_length=500)


UPLOAD_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "version"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "version": {"type": "string", "maxLength": 50},
                        "vendor": {
                            "type": "string",
                            "maxLength": 50,
                            "description": "Only stations of this vendor may get it.",
                        },
                        "model": {
                            "type": "string",
                            "maxLength": 50,
                            "description": "Only stations of this model may get it.",
                        },
                        "signing_certificate": {
                            "type": "string",
                            "maxLength": MAX_CERTIFICATE,
                            "description": "PEM, sent with 2.0.1 UpdateFirmware.",
                        },
                        "signature": {
                            "type": "string",
                            "maxLength": MAX_SIGNATURE,
                            "description": "Base64, sent with 2.0.1 UpdateFirmware.",
                        },
                        "description": {"type": "string", "maxLength": 500},
                    },
                }
            }
        },
    }
}


class FirmwareOut(Schema):
    id: int
    version: str
    file_name: str
    size: int
    sha256: str
    vendor: str
    model: str
    signing_certificate: str
    signature: str
    description: str
    uploaded_by: str
    created_at: datetime


class FirmwareVersionOut(Schema):
    vendor: str
    model: str
    firmware_version: str
    stations: int


class FirmwareUpdateOut(Schema):
    id: int
    station_id: str
    firmware_id: int | None
    firmware_version: str
    campaign_id: int | None
    batch: int
    status: UpdateStatus
    ocpp_status: str = Field(description="The last status the station reported.")
    detail: str
    command_id: int | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class CampaignIn(Schema):
    firmware_id: Id
    name: str = Field(default="", max_length=200)
    station_ids: list[str] = Field(
        default_factory=list, max_length=10_000, description="OCPP identities."
    )
    site_id: Id | None = Field(default=None, description="Every station of the site...")
    vendor: str = Field(default="", max_length=50, description="...of this vendor...")
    model: str = Field(default="", max_length=50, description="...and model.")
    first_batch_size: Positive | None = Field(
        default=None, description="Stations updated first (default 1)."
    )
    first_batch_percent: float | None = Field(
        default=None, gt=0, le=100, description="Or a share of them, rounded up."
    )
    retrieve_at: AwareDatetime | None = Field(
        default=None, description="When stations may start downloading (default: at once)."
    )
    retries: int | None = Field(default=None, ge=0, le=100)
    retry_interval: int | None = Field(default=None, ge=0, le=86_400, description="Seconds.")

    @model_validator(mode="after")
    def _one_batch_rule(self) -> CampaignIn:
        if self.first_batch_size is not None and self.first_batch_percent is not None:
            raise ValueError("give first_batch_size or first_batch_percent, not both")
        return self


class CampaignOut(Schema):
    id: int
    name: str
    firmware_id: int | None
    firmware_version: str
    status: CampaignStatus
    first_batch_size: int
    selection: dict[str, Any]
    retrieve_at: datetime | None
    retries: int | None
    retry_interval: int | None
    reason: str
    requested_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    progress: dict[str, int] = Field(description="Targets by status.")


class CampaignDetailOut(CampaignOut):
    targets: list[FirmwareUpdateOut]
