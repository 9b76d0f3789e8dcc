"""Things that happened at a station, and the raw OCPP traffic that said so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class EventKind(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    BOOT = "boot"
    REGISTRATION_CHANGED = "registration_changed"
    FIRMWARE_STATUS = "firmware_status"
    DIAGNOSTICS_STATUS = "diagnostics_status"
    DATA_TRANSFER = "data_transfer"
    SECURITY = "security"
    CONNECTOR_FAULT = "connector_fault"
    PROTOCOL_ERROR = "protocol_error"
    NOTIFY_EVENT = "notify_event"
    CHARGING_LIMIT = "charging_limit"
    CHARGING_PROFILES = "charging_profiles"
    EV_CHARGING_NEEDS = "ev_charging_needs"
    EV_CHARGING_SCHEDULE = "ev_charging_schedule"
    RESERVATION = "reservation"
    DISPLAY_MESSAGES = "display_messages"
    CUSTOMER_INFORMATION = "customer_information"
    MONITORING_REPORT = "monitoring_report"
    CERTIFICATE = "certificate"


@dataclass(eq=False)
class StationEvent:
    organization_id: int
    station_id: int
    kind: str
    timestamp: datetime
    severity: Severity = Severity.INFO
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class OcppMessage:
    """One frame as it crossed the wire, kept verbatim."""

    station_ocpp_id: str
    direction: Direction
    message_type: int
    unique_id: str
    action: str
    payload: str
    created_at: datetime
