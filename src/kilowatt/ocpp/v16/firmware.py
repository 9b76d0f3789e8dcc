"""OCPP 1.6 Firmware Management profile: status reports from the charge point."""

from __future__ import annotations

from kilowatt.ocpp.connection import OcppConnection, Payload


async def firmware_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.firmware.status_notification(conn.ref, payload["status"])
    return {}


async def diagnostics_status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.diagnostics.status_notification(conn.ref, payload["status"])
    return {}
