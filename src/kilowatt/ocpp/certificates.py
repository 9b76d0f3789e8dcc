"""SignCertificate → CertificateSigned, for both versions: the station asks, Kilowatt's CA
signs (for the station's own identity, on an authenticated connection), the answer says
Accepted, and once it is sent the chain goes to the station in a CertificateSigned."""

from __future__ import annotations

import structlog

from kilowatt.domain.station_security import IssuedCertificate
from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.connection import CallFailed, ConnectionGone, OcppConnection, Payload
from kilowatt.ocpp.rpc import RpcError
from kilowatt.services.station_certificates import SigningDecision

log = structlog.get_logger("kilowatt.ocpp")


async def sign(conn: OcppConnection, csr: str, certificate_type: str | None) -> SigningDecision:
    decision = await conn.services.station_security.sign_request(
        conn.ref, csr, certificate_type, conn.authenticated
    )
    if decision.issued is not None:
        issued = decision.issued
        conn.after_reply(lambda: deliver(conn, issued, certificate_type))
    else:
        log.warning(
            "certificate signing refused",
            station=conn.ref.ocpp_id,
            reason=decision.reason_code,
            detail=decision.detail,
        )
    return decision


async def deliver(
    conn: OcppConnection, issued: IssuedCertificate, certificate_type: str | None
) -> None:
    payload: Payload = {"certificateChain": issued.chain_pem}
    if conn.version is ProtocolVersion.OCPP201 and certificate_type:
        payload["certificateType"] = certificate_type
    security = conn.services.station_security
    try:
        answer = await conn.call("CertificateSigned", payload)
    except CallFailed as error:
        await security.certificate_delivered(conn.ref, issued, error.code, error.description)
        return
    except (TimeoutError, ConnectionGone, RpcError) as error:
        await security.certificate_delivered(
            conn.ref, issued, "NotDelivered", str(error) or type(error).__name__
        )
        return
    await security.certificate_delivered(conn.ref, issued, str(answer.get("status")))
