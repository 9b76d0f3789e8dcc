"""Faults: what a station reports as wrong, explained, and how long it lasted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.stations import NO_ERROR, ConnectorStatus, StatusReport

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
}


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


def is_fault(report: StatusReport) -> bool:
    """Faulted, or any status with an error code other than NoError."""
    return report.status is ConnectorStatus.FAULTED or (
        bool(report.error_code) and report.error_code != NO_ERROR
    )


def code_of(report: StatusReport) -> str:
    if report.error_code and report.error_code != NO_ERROR:
        return report.error_code
    return report.vendor_error_code or "Faulted"


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
    if open_fault is not None:
        same = faulty and code_of(report) == open_fault.error_code
        if same:
            return None, None
        open_fault.ended_at = report.timestamp
        closing: Fault | None = open_fault
    else:
        closing = None
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


def explain(code: str, vendor: str, dictionary: list[FaultCode]) -> str:
    """The description of ``code``: the vendor's entry, else the organization's generic one,
    else OCPP's, else nothing known."""
    vendor_key = vendor.strip().lower()
    generic = None
    for entry in dictionary:
        if entry.code != code:
            continue
        if entry.vendor and entry.vendor.strip().lower() == vendor_key:
            return entry.description
        if not entry.vendor:
            generic = entry.description
    return generic or STANDARD_CODES.get(code, "")
