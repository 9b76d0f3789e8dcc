"""2.0.1 block A (security) and the ISO 15118 certificate messages.

A station's SignCertificate for its ChargingStationCertificate is signed by Kilowatt's CA
(ocpp/certificates.py). V2G certificates belong to the ISO 15118 PKI, which Kilowatt does not
run: those requests, and the 15118 certificate messages, are declined with the answers the
schema defines, never with an error.
"""

from __future__ import annotations

from kilowatt.ocpp import certificates
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201.translate import parse_time

NO_V2G_PKI = {"reasonCode": "NotSupported", "additionalInfo": "no V2G PKI configured"}


async def security_event_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.station_reports.security_event(
        conn.ref, payload["type"], parse_time(payload["timestamp"]), payload.get("techInfo")
    )
    return {}


async def sign_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    certificate_type = payload.get("certificateType") or "ChargingStationCertificate"
    decision = await certificates.sign(conn, payload["csr"], certificate_type)
    if decision.accepted:
        return {"status": "Accepted"}
    info = {"reasonCode": decision.reason_code[:20], "additionalInfo": decision.detail[:512]}
    return {"status": "Rejected", "statusInfo": info}


async def get_15118_ev_certificate(conn: OcppConnection, payload: Payload) -> Payload:
    return {"status": "Failed", "exiResponse": "", "statusInfo": NO_V2G_PKI}


async def get_certificate_status(conn: OcppConnection, payload: Payload) -> Payload:
    return {"status": "Failed", "statusInfo": NO_V2G_PKI}
