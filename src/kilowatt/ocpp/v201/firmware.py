"""2.0.1 blocks L (firmware) and N (diagnostics): status reports."""

from __future__ import annotations

from kilowatt.domain.events import EventKind
from kilowatt.ocpp.connection import OcppConnection, Payload


async def firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.firmware_status(conn.ref, payload["status"])
    return {}


async def log_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.diagnostics_status(conn.ref, payload["status"])
    return {}


async def publish_firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.record_event(
        conn.ref,
        EventKind.FIRMWARE_STATUS,
        f"local firmware publication: {payload['status']}",
        {"status": payload["status"], "locations": payload.get("location")},
    )
    return {}
