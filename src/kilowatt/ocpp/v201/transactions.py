"""2.0.1 blocks E (transactions) and J (meter values)."""

from __future__ import annotations

from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201 import translate


async def transaction_event(conn: OcppConnection, payload: Payload) -> Payload:
    result = await conn.services.transactions.event(conn.ref, translate.transaction_event(payload))
    if result.decision is None:
        return {}
    return {"idTokenInfo": translate.id_token_info(result.decision)}


async def meter_values(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.metering.record(translate.meter_report(conn.ref, payload))
    return {}
