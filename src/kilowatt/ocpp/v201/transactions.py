"""2.0.1 blocks E (transactions), I (running cost, tariff text) and J (meter values)."""

from __future__ import annotations

from decimal import Decimal

import structlog

from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201 import translate

log = structlog.get_logger("kilowatt.ocpp")


async def transaction_event(conn: OcppConnection, payload: Payload) -> Payload:
    result = await conn.services.transactions.event(conn.ref, translate.transaction_event(payload))
    answer: Payload = {}
    if result.decision is not None:
        answer["idTokenInfo"] = translate.id_token_info(result.decision)
    if payload.get("eventType") != "Started":
        # A station that shows running cost (TariffCostCtrlr.Enabled[Cost]) is told the
        # total so far (I02), and once its tariff's text; from memory, no query.
        total, text = conn.services.session_costs.for_station(result.transaction_id)
        if total is not None:
            answer["totalCost"] = float(total)
        if text is not None:
            language, content = text
            answer["updatedPersonalMessage"] = {
                "format": "UTF8",
                "language": language[:8],
                "content": content[:512],
            }
    return answer


async def cost_updated(conn: OcppConnection, transaction_id: str, total: Decimal) -> None:
    """I03: the running total, pushed (services/session_costs.py decides when)."""
    try:
        await conn.call("CostUpdated", {"totalCost": float(total), "transactionId": transaction_id})
    except Exception as exc:
        log.info("CostUpdated not answered", station=conn.ref.ocpp_id, error=str(exc))


async def meter_values(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.metering.record(translate.meter_report(conn.ref, payload))
    return {}
