"""2.0.1 block A (security) and the ISO 15118 certificate messages.

Kilowatt does not sign station certificates yet (security issue): a signing request is
declined with the answers the schema defines, never with an error.
"""

from __future__ import annotations

from kilowatt.domain.events import EventKind, Severity
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201.translate import parse_time

NOT_YET = {"reasonCode": "NotSupported", "additionalInfo": "no certificate authority configured"}


async def security_event_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.security_event(
        conn.ref, payload["type"], parse_time(payload["timestamp"]), payload.get("techInfo")
    )
    return {}


async def sign_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.provisioning.record_event(
        conn.ref,
        EventKind.CERTIFICATE,
        "certificate signing request declined: no certificate authority configured",
        {"certificate_type": payload.get("certificateType")},
        Severity.WARNING,
    )
    return {"status": "Rejected", "statusInfo": NOT_YET}


async def get_15118_ev_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    return {"status": "Failed", "exiResponse": "", "statusInfo": NOT_YET}


async def get_certificate_status(conn: OcppConnection, payload: Payload) -> Payload:
    return {"status": "Failed", "statusInfo": NOT_YET}
