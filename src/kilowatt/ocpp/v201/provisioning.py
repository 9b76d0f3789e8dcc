"""2.0.1 blocks B (provisioning), G (availability) and the device-model reports."""

from __future__ import annotations

from kilowatt.domain.events import EventKind, Severity
from kilowatt.domain.stations import ConnectorStatus, StatusReport
from kilowatt.ocpp.connection import OcppConnection, Payload
from kilowatt.ocpp.v201 import translate


async def boot_notification(conn: OcppConnection, payload: Payload) -> Payload:
    services = conn.services
    decision = await services.provisioning.boot(conn.ref, translate.boot_info(payload))
    conn.set_registration(decision.status)
    return translate.boot_response(decision, services.clock.now())


async def heartbeat(conn: OcppConnection, payload: Payload) -> Payload:
    return {"currentTime": translate.format_time(conn.services.clock.now())}


async def status_notification(conn: OcppConnection, payload: Payload) -> Payload:
    await conn.services.station_reports.status(conn.ref, translate.status_report(payload))
    return {}


async def notify_report(conn: OcppConnection, payload: Payload) -> Payload:
    variables = translate.device_variables(payload, conn.ref.id, conn.services.clock.now())
    await conn.services.device_model.store_report(conn.ref, variables)
    return {}


_CONNECTOR_STATES = {status.value for status in ConnectorStatus}


async def notify_event(conn: OcppConnection, payload: Payload) -> Payload:
    """Monitoring events are kept as station events. A connector's AvailabilityState, which
    some stations report this way instead of by StatusNotification, also updates the
    connector."""
    reports = conn.services.station_reports
    for item in payload["eventData"]:
        component, variable = item["component"], item["variable"]
        name = f"{component['name']}.{variable['name']}"
        timestamp = translate.parse_time(item["timestamp"])
        evse = component.get("evse") or {}
        await reports.record_event(
            conn.ref,
            EventKind.NOTIFY_EVENT,
            f"{name} = {item['actualValue']} ({item['trigger']})",
            {
                "event_id": item["eventId"],
                "trigger": item["trigger"],
                "actual_value": item["actualValue"],
                "component": component,
                "variable": variable,
                "cause": item.get("cause"),
                "tech_code": item.get("techCode"),
                "tech_info": item.get("techInfo"),
                "cleared": item.get("cleared"),
                "transaction_id": item.get("transactionId"),
                "notification_type": item["eventNotificationType"],
            },
            Severity.WARNING if item["trigger"] == "Alerting" else Severity.INFO,
            timestamp,
        )
        if (
            component["name"] == "Connector"
            and variable["name"] == "AvailabilityState"
            and evse.get("id")
            and item["actualValue"] in _CONNECTOR_STATES
        ):
            await reports.status(
                conn.ref,
                StatusReport(
                    evse_id=int(evse["id"]),
                    connector_id=int(evse.get("connectorId", 1)),
                    status=ConnectorStatus(item["actualValue"]),
                    timestamp=timestamp,
                ),
            )
    return {}


async def data_transfer(conn: OcppConnection, payload: Payload) -> Payload:
    data = payload.get("data")
    answer = await conn.services.station_reports.data_transfer(
        conn.ref,
        payload["vendorId"],
        payload.get("messageId"),
        data if data is None or isinstance(data, str) else translate.json_text(data),
    )
    response: Payload = {"status": answer.status}
    if answer.data is not None:
        response["data"] = answer.data
    return response
