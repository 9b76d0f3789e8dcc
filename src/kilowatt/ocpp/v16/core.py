"""OCPP 1.6 Core profile: the messages a charge point sends for sessions and status."""

from __future__ import annotations

from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v16 import translate


async def boot_notification(conn: OcppConnection, payload: Payload) -> Payload:
    services = conn.services
    decision = await services.provisioning.boot(conn.ref, translate.boot_info(payload))
    conn.set_registration(decision.status)
    return translate.boot_response(decision, services.clock.now())


async def heartbeat(conn: OcppConnection, payload: Payload) -> Payload:
    # Presence is noted for every frame by the connection and written in batches.
    return {"currentTime": translate.format_time(conn.services.clock.now())}


async def status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    report = translate.status_report(payload, conn.services.clock.now())
    await conn.services.station_reports.status(conn.ref, report)
    return {}


async def authorize(conn: OcppConnection, payload: Payload) -> Payload:
    decision = await conn.services.authorization.authorize(conn.ref, payload["idTag"])
    return {"idTagInfo": translate.id_tag_info(decision)}


async def start_transaction(conn: OcppConnection, payload: Payload) -> Payload:
    result = await conn.services.transactions.start(conn.ref, translate.start_request(payload))
    return {
        "transactionId": result.transaction_id,
        "idTagInfo": translate.id_tag_info(result.decision),
    }


async def stop_transaction(conn: OcppConnection, payload: Payload) -> Payload:
    result = await conn.services.transactions.stop(conn.ref, translate.stop_request(payload))
    if result.decision is None:
        return {}
    return {"idTagInfo": translate.id_tag_info(result.decision)}


async def meter_values(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.metering.record(translate.meter_report(conn.ref, payload))
    return {}


async def data_transfer(conn: OcppConnection, payload: Payload) -> Payload:
    answer = await conn.services.station_reports.data_transfer(
        conn.ref, payload["vendorId"], payload.get("messageId"), payload.get("data")
    )
    response: Payload = {"status": answer.status}
    if answer.data is not None:
        response["data"] = answer.data
    return response
