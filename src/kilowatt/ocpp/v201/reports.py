"""2.0.1 notifications that Kilowatt keeps as station events: smart-charging limits and
profiles (K), reservations (H), display messages (O), customer information and monitoring
reports (N). Each is answered as the schema prescribes."""

from __future__ import annotations

from kilowatt.domain.events import EventKind
from kilowatt.domain.reservations import ReservationStatus
from kilowatt.ocpp.connection import OcppConnection, Payload


async def _keep(conn: OcppConnection, kind: EventKind, message: str, payload: Payload) -> None:
    await conn.services.station_reports.record_event(conn.ref, kind, message, dict(payload))


async def notify_charging_limit(conn: OcppConnection, payload: Payload) -> Payload:
    limit = payload["chargingLimit"]
    await _keep(
        conn,
        EventKind.CHARGING_LIMIT,
        f"external charging limit from {limit['chargingLimitSource']}"
        + (f" on EVSE {payload['evseId']}" if payload.get("evseId") else ""),
        payload,
    )
    return {}


async def cleared_charging_limit(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.CHARGING_LIMIT,
        f"external charging limit from {payload['chargingLimitSource']} cleared",
        payload,
    )
    return {}


async def report_charging_profiles(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.CHARGING_PROFILES,
        f"{len(payload['chargingProfile'])} charging profile(s) on EVSE {payload['evseId']}",
        payload,
    )
    return {}


async def notify_ev_charging_needs(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.EV_CHARGING_NEEDS,
        f"EV on EVSE {payload['evseId']} sent its charging needs",
        payload,
    )
    # No smart-charging schedule is computed yet: the EV charges without one.
    return {"status": "Rejected", "statusInfo": {"reasonCode": "NoSchedule"}}


async def notify_ev_charging_schedule(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.EV_CHARGING_SCHEDULE,
        f"EV on EVSE {payload['evseId']} sent its charging schedule",
        payload,
    )
    return {"status": "Accepted"}


async def reservation_status_update(conn: OcppConnection, payload: Payload) -> Payload:
    status = (
        ReservationStatus.EXPIRED
        if payload["reservationUpdateStatus"] == "Expired"
        else ReservationStatus.CANCELLED
    )
    await conn.services.reservations.station_update(
        conn.ref.id, int(payload["reservationId"]), status
    )
    await _keep(
        conn,
        EventKind.RESERVATION,
        f"reservation {payload['reservationId']}: {payload['reservationUpdateStatus']}",
        payload,
    )
    return {}


async def notify_display_messages(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.DISPLAY_MESSAGES,
        f"display messages report {payload['requestId']}",
        payload,
    )
    return {}


async def notify_customer_information(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.CUSTOMER_INFORMATION,
        f"customer information {payload['requestId']} part {payload['seqNo']}",
        payload,
    )
    return {}


async def notify_monitoring_report(conn: OcppConnection, payload: Payload) -> Payload:
    await _keep(
        conn,
        EventKind.MONITORING_REPORT,
        f"monitoring report {payload['requestId']} part {payload['seqNo']}",
        payload,
    )
    return {}
