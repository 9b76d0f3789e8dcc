"""OCPP 1.6 payloads ⇄ the version-neutral domain. Pure functions, no I/O.

1.6 connector ``n`` is EVSE ``n`` / connector 1; connector 0 is the whole station.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from kilowatt.domain.metering import SampledValue, normalise, parse_number
from kilowatt.domain.stations import (
    BootDecision,
    BootInfo,
    ConnectorStatus,
    StationRef,
    StatusReport,
)
from kilowatt.domain.tokens import AuthorizationDecision, AuthorizationStatus
from kilowatt.ocpp.rpc import ErrorKind, RpcError
from kilowatt.services.metering import MeterReport
from kilowatt.services.transactions import StartRequest, StopRequest

Payload = dict[str, Any]

DEFAULT_MEASURAND = "Energy.Active.Import.Register"


_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")


def parse_time(value: str) -> datetime:
    """An OCPP dateTime (RFC 3339) in UTC. Lower-case ``t``/``z`` are allowed; a leap second
    (``:60``) is read as the first instant of the next minute; no zone means UTC."""
    text = value.upper()
    leap = _LEAP_SECOND.search(text)
    if leap:
        text = _LEAP_SECOND.sub(r"\g<1>59", text, count=1)
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if leap:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def evse_of(connector_id: int) -> tuple[int, int]:
    return (0, 0) if connector_id == 0 else (connector_id, 1)


def transaction_connector(payload: Payload) -> int:
    connector_id = int(payload["connectorId"])
    if connector_id < 1:
        raise RpcError(
            ErrorKind.PROPERTY,
            "connectorId must be 1 or more: connector 0 is the whole station",
            details={"field": "connectorId"},
        )
    return connector_id


def boot_info(payload: Payload) -> BootInfo:
    return BootInfo(
        vendor=payload["chargePointVendor"],
        model=payload["chargePointModel"],
        serial_number=payload.get("chargePointSerialNumber")
        or payload.get("chargeBoxSerialNumber")
        or "",
        firmware_version=payload.get("firmwareVersion", ""),
        iccid=payload.get("iccid", ""),
        imsi=payload.get("imsi", ""),
        meter_type=payload.get("meterType", ""),
        meter_serial_number=payload.get("meterSerialNumber", ""),
    )


def boot_response(decision: BootDecision, now: datetime) -> Payload:
    return {
        "status": decision.status.value,
        "currentTime": format_time(now),
        "interval": decision.interval,
    }


def status_report(payload: Payload, now: datetime) -> StatusReport:
    evse_id, connector_id = evse_of(int(payload["connectorId"]))
    timestamp = payload.get("timestamp")
    return StatusReport(
        evse_id=evse_id,
        connector_id=connector_id,
        status=ConnectorStatus(payload["status"]),
        timestamp=parse_time(timestamp) if timestamp else now,
        timed=bool(timestamp),
        error_code=payload["errorCode"],
        info=payload.get("info", ""),
        vendor_id=payload.get("vendorId", ""),
        vendor_error_code=payload.get("vendorErrorCode", ""),
    )


_AUTH_16 = {
    AuthorizationStatus.ACCEPTED: "Accepted",
    AuthorizationStatus.BLOCKED: "Blocked",
    AuthorizationStatus.EXPIRED: "Expired",
    AuthorizationStatus.INVALID: "Invalid",
    AuthorizationStatus.CONCURRENT_TX: "ConcurrentTx",
    AuthorizationStatus.UNKNOWN: "Invalid",
    # 1.6 has no way to say "not here" or "not now": Invalid is the closest (the token is not
    # valid for this request), where Blocked would claim the card itself is blocked. The
    # expiryDate sent with it tells the station when to ask again (a window opening).
    AuthorizationStatus.NOT_AT_THIS_LOCATION: "Invalid",
    AuthorizationStatus.NOT_AT_THIS_TIME: "Invalid",
    # A prepaid card out of credit: the card is fine, but may not charge until topped up.
    AuthorizationStatus.NO_CREDIT: "Blocked",
}


def id_tag_info(decision: AuthorizationDecision) -> Payload:
    info: Payload = {"status": _AUTH_16[decision.status]}
    if decision.expires_at is not None:
        info["expiryDate"] = format_time(decision.expires_at)
    if decision.group_id:
        info["parentIdTag"] = decision.group_id[:20]
    return info


def start_request(payload: Payload) -> StartRequest:
    evse_id, connector_id = evse_of(transaction_connector(payload))
    return StartRequest(
        evse_id=evse_id,
        connector_id=connector_id,
        id_tag=payload["idTag"],
        timestamp=parse_time(payload["timestamp"]),
        meter_start_wh=int(payload["meterStart"]),
        reservation_id=payload.get("reservationId"),
    )


def stop_request(payload: Payload) -> StopRequest:
    return StopRequest(
        transaction_id=int(payload["transactionId"]),
        timestamp=parse_time(payload["timestamp"]),
        meter_stop_wh=int(payload["meterStop"]),
        reason=payload.get("reason"),
        id_tag=payload.get("idTag"),
        samples=sampled_values(payload.get("transactionData") or []),
    )


def meter_report(station: StationRef, payload: Payload) -> MeterReport:
    evse_id, connector_id = evse_of(int(payload["connectorId"]))
    transaction_id = payload.get("transactionId")
    return MeterReport(
        station=station,
        evse_id=evse_id,
        connector_id=connector_id,
        transaction_id=int(transaction_id) if transaction_id is not None else None,
        samples=sampled_values(payload["meterValue"]),
    )


def sampled_values(meter_values: list[Payload]) -> list[SampledValue]:
    """Flatten MeterValue[] into readings in stored units. Signed or unreadable values are
    kept verbatim in ``raw`` with no number."""
    samples: list[SampledValue] = []
    for meter_value in meter_values:
        timestamp = parse_time(meter_value["timestamp"])
        for sampled in meter_value.get("sampledValue") or []:
            measurand = sampled.get("measurand") or DEFAULT_MEASURAND
            text = sampled["value"]
            signed = sampled.get("format") == "SignedData"
            number = None if signed else parse_number(text)
            value, unit = (None, sampled.get("unit") or "")
            if number is not None:
                value, unit = normalise(number, sampled.get("unit"), measurand)
            samples.append(
                SampledValue(
                    timestamp=timestamp,
                    measurand=measurand,
                    value=value,
                    unit=unit,
                    phase=sampled.get("phase"),
                    context=sampled.get("context"),
                    location=sampled.get("location"),
                    raw=text if number is None else None,
                )
            )
    return samples
