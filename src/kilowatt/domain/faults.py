"""Faults: what a station reports as wrong, explained, and how long it lasted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.local_days import LocalDays
from kilowatt.domain.stations import NO_ERROR, ConnectorStatus, StatusReport

FAULTED = "Faulted"
"""The code of a fault reported as status Faulted without an error code (OCPP 2.0.1 has none)."""

# OCPP 1.6 ChargePointErrorCode, explained for people.
STANDARD_CODES: dict[str, str] = {
    "ConnectorLockFailure": "The connector could not be locked or unlocked.",
    "EVCommunicationError": "Communication with the vehicle failed.",
    "GroundFailure": "Ground fault: the residual current device tripped.",
    "HighTemperature": "Temperature inside the station is too high.",
    "InternalError": "Error in the station's own hardware or software.",
    "LocalListConflict": "The station's local list contradicts the CSMS's answer for a token.",
    "OtherError": "Another error; see the vendor error code.",
    "OverCurrentFailure": "Over-current protection tripped.",
    "OverVoltage": "Supply voltage above the allowed level.",
    "PowerMeterFailure": "The energy meter could not be read.",
    "PowerSwitchFailure": "The power switch (contactor) failed.",
    "ReaderFailure": "The RFID reader failed.",
    "ResetFailure": "The station failed to reset.",
    "UnderVoltage": "Supply voltage below the allowed level.",
    "WeakSignal": "Weak wireless (cellular) signal.",
    FAULTED: "The connector reports Faulted without saying why.",
}

CODE_LENGTH = 50
VENDOR_LENGTH = 50
DESCRIPTION_LENGTH = 500


@dataclass(eq=False)
class FaultCode:
    """An entry of an organization's fault-code dictionary. ``vendor`` "" applies to every
    vendor; a vendor's own entry wins over it."""

    organization_id: int
    code: str
    description: str
    created_at: datetime
    updated_at: datetime
    vendor: str = ""
    id: int | None = None


@dataclass(eq=False)
class Fault:
    """A connector (or, with EVSE 0, the station) in fault from ``started_at`` to ``ended_at``."""

    organization_id: int
    station_id: int
    evse_id: int
    connector_id: int
    error_code: str
    started_at: datetime
    vendor_error_code: str = ""
    info: str = ""
    ended_at: datetime | None = None
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class FaultView:
    """A fault record as people see it: where, what, explained, when. ``timezone`` is the
    station's site's (UTC for a station without a site): the zone its times are shown in."""

    id: int
    station_id: int
    station_ocpp_id: str
    site_id: int | None
    evse_id: int
    connector_id: int
    error_code: str
    vendor_error_code: str
    description: str
    info: str
    started_at: datetime
    ended_at: datetime | None
    timezone: str = "UTC"

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class FaultFilter:
    """Which fault records to list. ``open`` None: open and ended; ``since``/``until`` bound the
    start time (``since`` inclusive, ``until`` exclusive)."""

    station_id: int | None = None
    site_id: int | None = None
    evse_id: int | None = None
    open: bool | None = None
    code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    days: LocalDays | None = None
    """Started on these days, each fault's in its own site's time zone."""

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise InvalidInput("until", "must be after since")


def in_fault(status: str, error_code: str) -> bool:
    """Faulted, or any status with an error code other than NoError."""
    return status == ConnectorStatus.FAULTED.value or (bool(error_code) and error_code != NO_ERROR)


def is_fault(report: StatusReport) -> bool:
    return in_fault(report.status.value, report.error_code)


def code_of(report: StatusReport) -> str:
    if report.error_code and report.error_code != NO_ERROR:
        return report.error_code
    return FAULTED


def track(
    open_fault: Fault | None, report: StatusReport, organization_id: int, station_id: int
) -> tuple[Fault | None, Fault | None]:
    """(fault to close, fault to open) for a new status report of one connector.

    A fault ends when the connector reports a status without error, or a different error
    (which starts a new fault). Reports older than the open fault's start do not end it.
    """
    if open_fault is not None and report.timestamp < open_fault.started_at:
        return None, None
    faulty = is_fault(report)
    closing: Fault | None = None
    if open_fault is not None:
        same = (
            faulty
            and code_of(report) == open_fault.error_code
            and report.vendor_error_code == open_fault.vendor_error_code
        )
        if same:
            return None, None
        open_fault.ended_at = report.timestamp
        closing = open_fault
    if not faulty:
        return closing, None
    return closing, Fault(
        organization_id=organization_id,
        station_id=station_id,
        evse_id=report.evse_id,
        connector_id=report.connector_id,
        error_code=code_of(report),
        vendor_error_code=report.vendor_error_code,
        info=report.info,
        started_at=report.timestamp,
    )


def _lookup(code: str, vendor_key: str, dictionary: Iterable[FaultCode]) -> str | None:
    generic = None
    for entry in dictionary:
        if entry.code != code:
            continue
        if entry.vendor:
            if normal_vendor(entry.vendor) == vendor_key:
                return entry.description
        else:
            generic = entry.description
    return generic


def explain(
    code: str, vendor: str, dictionary: Iterable[FaultCode], vendor_error_code: str = ""
) -> str:
    """The description of a fault: the dictionary's entry for the vendor's own error code if
    there is one (the vendor's entry, else the generic one), else for ``code`` (likewise), else
    OCPP's explanation of ``code``, else "" (nothing known)."""
    entries = list(dictionary)
    vendor_key = normal_vendor(vendor)
    for candidate in (vendor_error_code, code):
        if candidate:
            found = _lookup(candidate, vendor_key, entries)
            if found is not None:
                return found
    return STANDARD_CODES.get(code, "")


def normal_vendor(vendor: str) -> str:
    """Vendors compare without case and surrounding spaces."""
    return vendor.strip().lower()


def check_code(code: str, vendor: str, description: str) -> tuple[str, str, str]:
    """A dictionary entry's fields, trimmed; InvalidInput naming the bad field."""
    code, vendor, description = code.strip(), vendor.strip(), description.strip()
    if not code:
        raise InvalidInput("code", "must not be empty")
    if len(code) > CODE_LENGTH:
        raise InvalidInput("code", f"must be at most {CODE_LENGTH} characters")
    if len(vendor) > VENDOR_LENGTH:
        raise InvalidInput("vendor", f"must be at most {VENDOR_LENGTH} characters")
    if not description:
        raise InvalidInput("description", "must not be empty")
    if len(description) > DESCRIPTION_LENGTH:
        raise InvalidInput("description", f"must be at most {DESCRIPTION_LENGTH} characters")
    return code, vendor, description
