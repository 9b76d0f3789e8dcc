"""Stations as the stations pages show them: the list's rows, a station's connectors, its
message log and its device model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from kilowatt.domain.connector_states import shown_state
from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.exports import format_local, zone_of
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Connector, RegistrationStatus, Station
from kilowatt.services.ports import StoredMessage

Gettext = Callable[[str], str]

KINDS = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}
"""OCPP-J message types, by the names people who read message logs know them by."""


def station_url(ocpp_id: str) -> str:
    return "/stations/" + quote(ocpp_id, safe="")


def registration_words(gettext: Gettext) -> dict[str, str]:
    _ = gettext
    return {
        RegistrationStatus.ACCEPTED.value: _("Accepted"),
        RegistrationStatus.PENDING.value: _("Pending"),
        RegistrationStatus.REJECTED.value: _("Rejected"),
    }


@dataclass(frozen=True, slots=True)
class StationRow:
    """A station for the list and its page, its times in its site's zone (UTC without one)."""

    ocpp_id: str
    url: str
    name: str
    vendor: str
    model: str
    online: bool
    protocol: str
    security_profile: int
    firmware: str
    last_seen: str
    timezone: str
    registration: str
    """In words."""
    site: str

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.timezone)

    @classmethod
    def of(cls, station: Station, site: Site | None, gettext: Gettext) -> StationRow:
        timezone = site.timezone if site else "UTC"
        registration = station.registration_status.value
        return cls(
            ocpp_id=station.ocpp_id,
            url=station_url(station.ocpp_id),
            name=station.name,
            vendor=station.vendor,
            model=station.model,
            online=station.online,
            protocol=station.protocol_version or "",
            security_profile=station.security_profile,
            firmware=station.firmware_version,
            last_seen=format_local(station.last_seen_at, zone_of(timezone)),
            timezone=timezone,
            registration=registration_words(gettext).get(registration, registration),
            site=site.name if site else "",
        )


@dataclass(frozen=True, slots=True)
class ConnectorRow:
    """A connector of the station's page; ``shown_state`` is what people are told (offline
    while the station is), ``state`` what it last reported (for the live script)."""

    evse_id: int
    connector_id: int
    state: str
    shown_state: str
    error_code: str
    standard: str
    max_power_w: int | None
    status_at: str
    url: str

    @classmethod
    def of(cls, connector: Connector, station: Station, zone: ZoneInfo) -> ConnectorRow:
        identity = quote(station.ocpp_id, safe="")
        return cls(
            evse_id=connector.evse_id,
            connector_id=connector.connector_id,
            state=connector.state,
            shown_state=shown_state(connector.state, station.online).value,
            error_code=connector.error_code if connector.error_code != "NoError" else "",
            standard=connector.standard,
            max_power_w=connector.max_power_w,
            status_at=format_local(connector.status_at, zone),
            url=f"/connectors/{identity}/{connector.evse_id}/{connector.connector_id}",
        )


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A frame of the station's message log."""

    id: int
    at: str
    incoming: bool
    kind: str
    action: str
    unique_id: str
    payload: str

    @classmethod
    def of(cls, stored: StoredMessage, zone: ZoneInfo) -> MessageRow:
        message = stored.message
        return cls(
            id=stored.id,
            at=format_local(message.created_at, zone),
            incoming=message.direction.value == "in",
            kind=KINDS.get(message.message_type, str(message.message_type)),
            action=message.action,
            unique_id=message.unique_id,
            payload=message.payload,
        )


@dataclass(frozen=True, slots=True)
class VariableRow:
    """A variable of the station's configuration or device model."""

    component: str
    variable: str
    evse: str
    attribute: str
    value: str
    mutability: str
    unit: str
    updated: str

    @classmethod
    def of(cls, v: DeviceVariable, zone: ZoneInfo) -> VariableRow:
        return cls(
            component=v.component + (f" [{v.component_instance}]" if v.component_instance else ""),
            variable=v.variable + (f" [{v.variable_instance}]" if v.variable_instance else ""),
            evse=f"{v.evse_id}/{v.connector_id}" if v.evse_id else "",
            attribute=v.attribute_type,
            value=v.value if v.value is not None else "",
            mutability=v.mutability or "",
            unit=v.unit or "",
            updated=format_local(v.updated_at, zone),
        )
