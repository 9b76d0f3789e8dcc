"""OCPP 2.0.1 payloads ⇄ the version-neutral domain. Pure functions, no I/O.

2.0.1 already speaks in EVSEs and connectors; EVSE 0 is the whole station. Transaction ids are
the station's own strings; seqNo orders a transaction's events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.metering import SampledValue, normalise
from kilowatt.domain.stations import (
    BootDecision,
    BootInfo,
    ConnectorStatus,
    StationRef,
    StatusReport,
)
from kilowatt.domain.tokens import AuthorizationDecision, IdTokenType
from kilowatt.domain.transactions import TransactionEventType
from kilowatt.ocpp.v16.translate import format_time, parse_time
from kilowatt.services.metering import MeterReport
from kilowatt.services.transactions import TokenRef, TransactionEventInput

Payload = dict[str, Any]

DEFAULT_MEASURAND = "Energy.Active.Import.Register"

__all__ = ["format_time", "parse_time"]


def boot_info(payload: Payload) -> BootInfo:
    station = payload["chargingStation"]
    modem = station.get("modem") or {}
    return BootInfo(
        vendor=station["vendorName"],
        model=station["model"],
        serial_number=station.get("serialNumber", ""),
        firmware_version=station.get("firmwareVersion", ""),
        iccid=modem.get("iccid", ""),
        imsi=modem.get("imsi", ""),
        reason=payload["reason"],
    )


def boot_response(decision: BootDecision, now: datetime) -> Payload:
    return {
        "status": decision.status.value,
        "currentTime": format_time(now),
        "interval": decision.interval,
    }


def status_report(payload: Payload) -> StatusReport:
    return StatusReport(
        evse_id=int(payload["evseId"]),
        connector_id=int(payload["connectorId"]),
        status=ConnectorStatus(payload["connectorStatus"]),
        timestamp=parse_time(payload["timestamp"]),
    )


def token_ref(id_token: Payload | None) -> TokenRef | None:
    if not id_token:
        return None
    return TokenRef(value=id_token["idToken"], type=IdTokenType(id_token["type"]))


def id_token_info(decision: AuthorizationDecision) -> Payload:
    """AuthorizationStatus values are the 2.0.1 ones; the token's expiry tells the station
    how long it may cache the answer."""
    info: Payload = {"status": decision.status.value}
    if decision.expires_at is not None:
        info["cacheExpiryDateTime"] = format_time(decision.expires_at)
    if decision.group_id:
        info["groupIdToken"] = {"idToken": decision.group_id[:36], "type": "Central"}
    return info


def sampled_values(meter_values: list[Payload]) -> list[SampledValue]:
    samples: list[SampledValue] = []
    for meter_value in meter_values:
        timestamp = parse_time(meter_value["timestamp"])
        for sampled in meter_value.get("sampledValue") or []:
            measurand = sampled.get("measurand") or DEFAULT_MEASURAND
            unit_of_measure = sampled.get("unitOfMeasure") or {}
            value, unit = normalise(
                float(sampled["value"]),
                unit_of_measure.get("unit"),
                measurand,
                int(unit_of_measure.get("multiplier", 0)),
            )
            signed = sampled.get("signedMeterValue")
            samples.append(
                SampledValue(
                    timestamp=timestamp,
                    measurand=measurand,
                    value=value,
                    unit=unit,
                    phase=sampled.get("phase"),
                    context=sampled.get("context"),
                    location=sampled.get("location"),
                    raw=signed["signedMeterData"][:2500] if signed else None,
                )
            )
    return samples


def meter_report(station: StationRef, payload: Payload) -> MeterReport:
    """2.0.1 MeterValues name an EVSE (0: the main meter), never a transaction."""
    return MeterReport(
        station=station,
        evse_id=int(payload["evseId"]),
        connector_id=0,
        transaction_id=None,
        samples=sampled_values(payload["meterValue"]),
    )


def transaction_event(payload: Payload) -> TransactionEventInput:
    info = payload["transactionInfo"]
    evse = payload.get("evse") or {}
    return TransactionEventInput(
        event_type=TransactionEventType(payload["eventType"]),
        transaction_ref=info["transactionId"],
        seq_no=int(payload["seqNo"]),
        timestamp=parse_time(payload["timestamp"]),
        trigger_reason=payload["triggerReason"],
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        id_token=token_ref(payload.get("idToken")),
        charging_state=info.get("chargingState"),
        stopped_reason=info.get("stoppedReason"),
        remote_start_id=info.get("remoteStartId"),
        reservation_id=payload.get("reservationId"),
        offline=bool(payload.get("offline", False)),
        number_of_phases=payload.get("numberOfPhasesUsed"),
        samples=sampled_values(payload.get("meterValue") or []),
    )


def device_variables(payload: Payload, station_id: int, now: datetime) -> list[DeviceVariable]:
    """Every attribute of every variable in one NotifyReport."""
    found: list[DeviceVariable] = []
    request_id = payload.get("requestId")
    for item in payload.get("reportData") or []:
        component = item["component"]
        variable = item["variable"]
        evse = component.get("evse") or {}
        characteristics = item.get("variableCharacteristics") or {}
        for attribute in item.get("variableAttribute") or []:
            found.append(
                DeviceVariable(
                    station_id=station_id,
                    component=component["name"],
                    component_instance=component.get("instance", ""),
                    evse_id=int(evse.get("id", 0)),
                    connector_id=int(evse.get("connectorId", 0)),
                    variable=variable["name"],
                    variable_instance=variable.get("instance", ""),
                    attribute_type=attribute.get("type", "Actual"),
                    value=attribute.get("value"),
                    mutability=attribute.get("mutability"),
                    persistent=attribute.get("persistent"),
                    constant=attribute.get("constant"),
                    unit=characteristics.get("unit"),
                    data_type=characteristics.get("dataType"),
                    min_limit=characteristics.get("minLimit"),
                    max_limit=characteristics.get("maxLimit"),
                    values_list=characteristics.get("valuesList"),
                    supports_monitoring=characteristics.get("supportsMonitoring"),
                    report_request_id=request_id,
                    updated_at=now,
                )
            )
    return found


def json_text(data: Any) -> str:
    """2.0.1 DataTransfer data may be any JSON; we keep it as text."""
    return orjson.dumps(data).decode()
