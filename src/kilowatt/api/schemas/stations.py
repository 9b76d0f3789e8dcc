from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.stations import CurrentType, RegistrationStatus


class ConnectorIn(Schema):
    evse_id: int = Field(ge=1, description="1.6 connector n is EVSE n, connector 1.")
    connector_id: int = Field(default=1, ge=1)
    current_type: CurrentType = CurrentType.AC
    standard: str = Field(default="Type2", max_length=20, description="Type2, CCS2, CHAdeMO...")
    max_power_w: int | None = Field(default=None, gt=0)


class ConnectorPatch(Schema):
    current_type: CurrentType | None = None
    standard: str | None = Field(default=None, max_length=20)
    max_power_w: int | None = Field(default=None, gt=0)


class ConnectorOut(Schema):
    evse_id: int
    connector_id: int
    current_type: CurrentType
    standard: str
    max_power_w: int | None
    status: str
    error_code: str
    info: str
    vendor_id: str
    vendor_error_code: str
    status_at: datetime | None


class StationIn(Schema):
    ocpp_id: str = Field(
        min_length=1, max_length=48, description="The identity the station connects with."
    )
    site_id: int | None = None
    name: str = Field(default="", max_length=200)
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED
    connectors: list[ConnectorIn] = Field(default_factory=list)


class StationPatch(Schema):
    site_id: int | None = None
    name: str | None = Field(default=None, max_length=200)
    registration_status: RegistrationStatus | None = None


class StationOut(Schema):
    ocpp_id: str
    name: str
    site_id: int | None
    registration_status: RegistrationStatus
    protocol_version: str | None
    online: bool
    last_seen_at: datetime | None
    connected_at: datetime | None
    last_boot_at: datetime | None
    boot_reason: str
    vendor: str
    model: str
    serial_number: str
    firmware_version: str
    iccid: str
    imsi: str
    meter_type: str
    meter_serial_number: str
    status: str
    error_code: str
    firmware_status: str
    diagnostics_status: str
    created_at: datetime
    updated_at: datetime


class StationDetailOut(StationOut):
    connectors: list[ConnectorOut]


class StatusChangeOut(Schema):
    status: str
    error_code: str
    info: str
    vendor_error_code: str
    timestamp: datetime
    received_at: datetime


class StationEventOut(Schema):
    id: int
    kind: str
    severity: str
    timestamp: datetime
    message: str
    data: dict[str, object]
