from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import Id, Patch, Positive, Schema
from kilowatt.api.schemas.loads import StationProfilesOut
from kilowatt.domain.access import AccessMode
from kilowatt.domain.connector_states import ConnectorState, shown_state
from kilowatt.domain.stations import Connector, CurrentType, RegistrationStatus

STATION_ACCESS = "public or private (see /access-rules); null: as its site (public without a site)."


class ConnectorIn(Schema):
    evse_id: Id = Field(description="1.6 connector n is EVSE n, connector 1.")
    connector_id: Id = 1
    current_type: CurrentType = CurrentType.AC
    standard: str = Field(default="Type2", max_length=20, description="Type2, CCS2, CHAdeMO...")
    max_power_w: Positive | None = None


class ConnectorPatch(Patch):
    required_fields = frozenset({"current_type", "standard"})

    current_type: CurrentType | None = None
    standard: str | None = Field(default=None, max_length=20)
    max_power_w: Positive | None = None


class ConnectorOut(Schema):
    evse_id: int
    connector_id: int
    current_type: CurrentType
    standard: str
    max_power_w: int | None
    state: ConnectorState = Field(
        description="What the connector is doing, the same words whatever the station's OCPP "
        "version: available, preparing, charging, suspended, finishing, reserved, "
        "unavailable, faulted; offline while its station is not connected; unknown before "
        "the station reports it. A 1.6 station's status maps directly (SuspendedEV and "
        "SuspendedEVSE are suspended); a 2.0.1 station's Occupied follows the chargingState "
        "of the EVSE's transaction (Charging: charging; SuspendedEV, SuspendedEVSE: "
        "suspended; EVConnected, Idle or none yet: preparing; ended with the cable still "
        "in: finishing)."
    )
    status: str = Field(
        description="What the station last said, in its own word (1.6 ChargePointStatus or "
        "2.0.1 ConnectorStatusEnumType, such as Occupied)."
    )
    error_code: str
    info: str
    vendor_id: str
    vendor_error_code: str
    status_at: datetime | None


def connector_out(connector: Connector, online: bool) -> ConnectorOut:
    """A connector as the API shows it: offline while its station is not connected."""
    out = ConnectorOut.model_validate(connector, from_attributes=True).model_dump()
    return ConnectorOut(**{**out, "state": shown_state(connector.state, online)})


class StationIn(Schema):
    ocpp_id: str = Field(
        min_length=1, max_length=48, description="The identity the station connects with."
    )
    site_id: Id | None = None
    name: str = Field(default="", max_length=200)
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED
    connectors: list[ConnectorIn] = Field(default_factory=list)
    access: AccessMode | None = Field(default=None, description=STATION_ACCESS)
    security_profile: int = Field(
        default=1,
        ge=0,
        le=3,
        description="How the station proves who it is: 1 HTTP Basic with a password "
        "(the default; the answer carries the password, this once), 2 TLS + HTTP Basic (also "
        "with a password), 3 TLS client certificate (no password), or 0 no authentication: "
        "anyone who knows the identity can connect as the station, so only on a closed "
        "network, and only when sent explicitly.",
    )


class StationPatch(Patch):
    text_fields = frozenset({"name"})
    required_fields = frozenset({"registration_status"})

    site_id: Id | None = None
    name: str | None = Field(default=None, max_length=200)
    registration_status: RegistrationStatus | None = None
    access: AccessMode | None = Field(default=None, description=STATION_ACCESS)


class StationOut(Schema):
    ocpp_id: str
    name: str
    site_id: int | None
    registration_status: RegistrationStatus
    access: AccessMode | None = Field(description=STATION_ACCESS)
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
    security_profile: int = Field(
        description="OCPP security profile: 0 none, 1 Basic, 2 TLS + Basic, 3 client "
        "certificate. Connections raise it, never lower it."
    )
    has_password: bool = Field(description="Whether the station has an HTTP Basic password.")
    rotation_pending: bool = Field(
        description="A rotated password awaits the station's confirmation (both work)."
    )
    created_at: datetime
    updated_at: datetime


class StationDetailOut(StationOut):
    connectors: list[ConnectorOut]
    load_profiles: StationProfilesOut | None = Field(
        default=None,
        description="GET only: what load management knows of the profiles it sends the "
        "station (its failsafe, whether it refuses them); null when nothing yet.",
    )


class StationCreatedOut(StationDetailOut):
    username: str = Field(description="The HTTP Basic user name: the station identity.")
    password: str | None = Field(
        description="The station's password for profiles 1 and 2, shown this once (Kilowatt "
        "keeps only a hash; POST /stations/{id}/credentials issues a new one); null for "
        "profiles 0 and 3."
    )
    authorization_key: str | None = Field(
        description="The same password as an OCPP 1.6 AuthorizationKey (hexadecimal), for "
        "stations configured through that key."
    )


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


class DeviceVariableOut(Schema):
    component: str
    component_instance: str
    evse_id: int
    connector_id: int
    variable: str
    variable_instance: str
    attribute_type: str
    value: str | None
    mutability: str | None
    persistent: bool | None
    constant: bool | None
    unit: str | None
    data_type: str | None
    min_limit: float | None
    max_limit: float | None
    values_list: str | None
    supports_monitoring: bool | None
    updated_at: datetime
