"""OCPP 1.6 security extension (Improved security for OCPP 1.6-J): what the station reports,
and the certificates Kilowatt's CA signs for it."""

from __future__ import annotations

from kilowatt.ocpp import certificates
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v16.translate import parse_time


async def security_event_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.station_reports.security_event(
        conn.ref, payload["type"], parse_time(payload["timestamp"]), payload.get("techInfo")
    )
    return {}


async def sign_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    """Accepted when Kilowatt's CA signs it; the chain follows in a CertificateSigned."""
    decision = await certificates.sign(conn, payload["csr"], None)
    return {"status": "Accepted" if decision.accepted else "Rejected"}


async def log_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # Its requestId names the GetLog command (else the station's latest upload is the one).
    await conn.services.diagnostics.status_notification(
        conn.ref, payload["status"], payload.get("requestId")
    )
    return {}


async def signed_firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # Its requestId names the SignedUpdateFirmware command (else the latest open update).
    await conn.services.firmware.status_notification(
        conn.ref, payload["status"], payload.get("requestId")
    )
    return {}
