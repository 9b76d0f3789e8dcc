"""OCPP 1.6 security extension (Improved security for OCPP 1.6-J): what the station reports."""

from __future__ import annotations

from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v16.translate import parse_time


async def security_event_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.security_event(
        conn.ref, payload["type"], parse_time(payload["timestamp"]), payload.get("techInfo")
    )
    return {}
