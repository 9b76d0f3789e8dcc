"""OCPP 1.6 security extension (Improved security for OCPP 1.6-J): what the station reports."""

from __future__ import annotations

from kilowatt.domain.events import EventKind, Severity
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v16.translate import parse_time


async def security_event_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.security_event(
        conn.ref, payload["type"], parse_time(payload["timestamp"]), payload.get("techInfo")
    )
    return {}


async def sign_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    """Kilowatt does not run a certificate authority yet (security issue)."""
    await conn.services.provisioning.record_event(
        conn.ref,
        EventKind.CERTIFICATE,
        "certificate signing request declined: no certificate authority configured",
        {},
        Severity.WARNING,
    )
    return {"status": "Rejected"}


async def log_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # Its requestId names a GetLog, which Kilowatt does not send to 1.6 stations (it sends
    # GetDiagnostics): the station's latest upload is the one meant.
    await conn.services.diagnostics.status_notification(conn.ref, payload["status"])
    return {}


async def signed_firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # Its requestId names a SignedUpdateFirmware, which Kilowatt does not send (it sends
    # UpdateFirmware): the station's latest open update is the one meant.
    await conn.services.firmware.status_notification(conn.ref, payload["status"])
    return {}
