"""Charging stations, EVSEs and connectors, independent of the OCPP version.

A station speaks one protocol version at a time. EVSE ``n`` / connector ``1`` is what OCPP 1.6
calls connector ``n``; 1.6 connector 0 (the whole station) is kept on the station itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NewType

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import InvalidInput

OcppId = NewType("OcppId", str)
"""A station's OCPP identity: the name it connects with (``/ocpp/{identity}``), unique across
organizations, and the name the API and the dashboard give it."""
StationKey = NewType("StationKey", int)
"""A station's database id (``Station.id``), by which Kilowatt's records refer to it."""


class ProtocolVersion(StrEnum):
    OCPP16 = "1.6"
    OCPP201 = "2.0.1"


class UnknownStationPolicy(StrEnum):
    """What to do with a connecting station whose OCPP identity is not registered."""

    REJECT = "reject"
    """Refuse the WebSocket handshake with HTTP 404."""
    PENDING = "pending"
    """Register it as Pending; BootNotification is answered Pending until an operator accepts."""
    ACCEPT = "accept"
    """Register it and accept it at once."""


class RegistrationStatus(StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class ConnectorStatus(StrEnum):
    """Union of the 1.6 ChargePointStatus and the 2.0.1 ConnectorStatusEnumType."""

    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"
    UNKNOWN = "Unknown"


class CurrentType(StrEnum):
    AC = "AC"
    DC = "DC"


class ConnectorStandard(StrEnum):
    TYPE1 = "Type1"
    TYPE2 = "Type2"
    CCS1 = "CCS1"
    CCS2 = "CCS2"
    CHADEMO = "CHAdeMO"
    GBT_AC = "GBT-AC"
    GBT_DC = "GBT-DC"
    NACS = "NACS"
    SCHUKO = "Schuko"
    OTHER = "Other"
    UNKNOWN = "Unknown"


NO_ERROR = "NoError"

# OCPP-J identities appear in the URL path and, from security profile 1 on, as the HTTP Basic
# user name; 2.0.1 caps them at 48 characters and forbids ':'. We stay within URL-safe characters.
_IDENTITY = re.compile(r"^[A-Za-z0-9._\-~*+@=]{1,48}$")


def check_identity(identity: str) -> str:
    # "." and ".." would be dot segments in a URL, which clients remove before sending.
    if not _IDENTITY.fullmatch(identity) or set(identity) == {"."}:
        raise InvalidInput(
            "ocpp_id",
            "1 to 48 characters: letters, digits and . _ - ~ * + @ = (not only dots)",
            reason="ocpp_identity",
        )
    return identity


@dataclass(eq=False)
class Station:
    organization_id: int
    ocpp_id: str
    registration_status: RegistrationStatus
    created_at: datetime
    updated_at: datetime
    site_id: int | None = None
    name: str = ""
    vendor: str = ""
    model: str = ""
    serial_number: str = ""
    firmware_version: str = ""
    iccid: str = ""
    imsi: str = ""
    meter_type: str = ""
    meter_serial_number: str = ""
    protocol_version: str | None = None
    online: bool = False
    last_seen_at: datetime | None = None
    connected_at: datetime | None = None
    last_boot_at: datetime | None = None
    boot_reason: str = ""
    status: str = ConnectorStatus.UNKNOWN.value
    error_code: str = NO_ERROR
    status_at: datetime | None = None
    firmware_status: str = ""
    diagnostics_status: str = ""
    connected_node: str | None = None
    """The owner ("<node>/<connection>", see domain/ownership.py) of the socket it is online on."""
    security_profile: int = 0
    """OCPP security profile 0-3 (domain/station_security.py): raised by connections that show
    more, lowered only by an operator."""
    password_hash: str = field(default="", repr=False)
    """argon2 hash of the station's HTTP Basic password; empty: none. Never the password."""
    pending_password_hash: str = field(default="", repr=False)
    """A rotated password the station has not confirmed yet; both work until it does."""
    password_updated_at: datetime | None = None
    access: AccessMode | None = None
    """Public or private (domain/access.py); None: as its site (public without a site)."""
    id: int | None = None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash or self.pending_password_hash)

    @property
    def rotation_pending(self) -> bool:
        return bool(self.pending_password_hash)


def key_of(station: Station) -> StationKey:
    """The database id of a stored station."""
    if station.id is None:
        raise ValueError(f"station {station.ocpp_id} is not stored yet")
    return StationKey(station.id)


@dataclass(frozen=True, slots=True)
class StationRef:
    """What a connection needs to know about its station for every message."""

    id: int
    organization_id: int
    ocpp_id: str
    registration_status: RegistrationStatus
    security_profile: int = 0
    connected_at: datetime | None = None
    """When the station's current connection began (set once it is connected)."""


@dataclass(eq=False)
class Connector:
    station_id: int
    evse_id: int
    connector_id: int
    created_at: datetime
    current_type: CurrentType = CurrentType.AC
    standard: str = ConnectorStandard.TYPE2.value
    max_power_w: int | None = None
    status: str = ConnectorStatus.UNKNOWN.value
    """What the station last said, in its own word (1.6 ChargePointStatus or 2.0.1
    ConnectorStatusEnumType)."""
    state: str = "unknown"
    """What it is doing in Kilowatt's one vocabulary (domain/connector_states.py)."""
    error_code: str = NO_ERROR
    info: str = ""
    vendor_id: str = ""
    vendor_error_code: str = ""
    status_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str = ""
    firmware_version: str = ""
    iccid: str = ""
    imsi: str = ""
    meter_type: str = ""
    meter_serial_number: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BootDecision:
    status: RegistrationStatus
    interval: int


def decide_boot(
    registration: RegistrationStatus, heartbeat_interval: int, pending_interval: int
) -> BootDecision:
    """A station is told its registration state; Pending stations retry sooner."""
    if registration is RegistrationStatus.ACCEPTED:
        return BootDecision(RegistrationStatus.ACCEPTED, heartbeat_interval)
    if registration is RegistrationStatus.PENDING:
        return BootDecision(RegistrationStatus.PENDING, pending_interval)
    return BootDecision(RegistrationStatus.REJECTED, pending_interval * 5)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A connector (or, with ``evse_id`` 0, the whole station) reports its state."""

    evse_id: int
    connector_id: int
    status: ConnectorStatus
    timestamp: datetime
    error_code: str = NO_ERROR
    info: str = ""
    vendor_id: str = ""
    vendor_error_code: str = ""
    timed: bool = True
    """False when the station gave no timestamp and ``timestamp`` is when we received it."""

    @property
    def is_station(self) -> bool:
        return self.evse_id == 0


@dataclass(eq=False)
class StatusChange:
    """One entry of a connector's status history."""

    station_id: int
    evse_id: int
    connector_id: int
    status: str
    error_code: str
    timestamp: datetime
    received_at: datetime
    info: str = ""
    vendor_error_code: str = ""
    id: int | None = None


def is_stale(known_at: datetime | None, report: StatusReport) -> bool:
    """Stations replay queued StatusNotifications after a connection loss, so a report older
    than what we know must not overwrite a newer state. A report without a station timestamp
    cannot be ordered: it applies, and leaves the next timed report free to apply too."""
    return report.timed and known_at is not None and report.timestamp < known_at


def apply_status(connector: Connector, report: StatusReport) -> bool:
    """Apply a report unless it is stale; True when it changed status or error code."""
    if is_stale(connector.status_at, report):
        return False
    changed = (connector.status, connector.error_code) != (
        report.status.value,
        report.error_code,
    )
    connector.status = report.status.value
    connector.error_code = report.error_code
    connector.info = report.info
    connector.vendor_id = report.vendor_id
    connector.vendor_error_code = report.vendor_error_code
    connector.status_at = report.timestamp if report.timed else None
    return changed


def apply_station_status(station: Station, report: StatusReport) -> bool:
    """The same for connector 0 (1.6) or EVSE 0: the station as a whole."""
    if is_stale(station.status_at, report):
        return False
    changed = (station.status, station.error_code) != (report.status.value, report.error_code)
    station.status = report.status.value
    station.error_code = report.error_code
    station.status_at = report.timestamp if report.timed else None
    return changed


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    """A connector as an operator declares it."""

    evse_id: int
    connector_id: int = 1
    current_type: CurrentType = CurrentType.AC
    standard: str = ConnectorStandard.TYPE2.value
    max_power_w: int | None = None

    def __post_init__(self) -> None:
        if self.evse_id < 1:
            raise InvalidInput("evse_id", "EVSE ids start at 1")
        if self.connector_id < 1:
            raise InvalidInput("connector_id", "connector ids start at 1")
        if self.max_power_w is not None and self.max_power_w <= 0:
            raise InvalidInput("max_power_w", "must be positive")
