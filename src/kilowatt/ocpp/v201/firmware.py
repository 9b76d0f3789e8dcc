"""2.0.1 blocks L (firmware) and N (diagnostics): status reports."""

from __future__ import annotations

from kilowatt.domain.events import EventKind
from kilowatt.ocpp.connection import OcppConnection, Payload


async def firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # The requestId is the id of the UpdateFirmware command (v201/commands.py).
    await conn.services.firmware.status_notification(
        conn.ref, payload["status"], payload.get("requestId")
    )
    return {}


async def log_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    # The requestId is the id of the GetLog command (v201/commands.py).
    await conn.services.diagnostics.status_notification(
        conn.ref, payload["status"], payload.get("requestId")
    )
    return {}


async def publish_firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.station_reports.record_event(
        conn.ref,
        EventKind.FIRMWARE_STATUS,
        f"local firmware publication: {payload['status']}",
        {"status": payload["status"], "locations": payload.get("location")},
    )
    return {}
