"""OCPP 2.0.1 payloads to the version-neutral domain and back."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.device_model import DeviceVariable
from kilowatt.domain.metering import SampledValue, energy_register_wh, register_readings
from kilowatt.domain.stations import (
    NO_ERROR,
    BootDecision,
    BootInfo,
    ConnectorStatus,
    ProtocolVersion,
    RegistrationStatus,
    StatusReport,
)
from kilowatt.domain.tokens import (
    AuthorizationDecision,
    AuthorizationStatus,
    IdTokenType,
    authorize,
)
from kilowatt.domain.transactions import TransactionEventType
from kilowatt.ocpp.schemas import check
from kilowatt.ocpp.v16 import translate as translate16
from kilowatt.ocpp.v201 import translate
from kilowatt.ocpp.v201.translate import (
    DEFAULT_MEASURAND,
    boot_info,
    boot_response,
    device_variables,
    id_token_info,
    json_text,
    sampled_values,
    status_report,
    token_ref,
    transaction_event,
)
from kilowatt.services.transactions import TokenRef, TransactionEventInput
from tests.support.records import fields

V201 = ProtocolVersion.OCPP201
TS = "2024-05-01T12:00:00Z"
AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def request_ok(action: str, payload: dict[str, Any]) -> None:
    """The test's own input is a valid 2.0.1 request. A copy is checked: the validator fills
    schema defaults (persistent, constant, offline...) into what it checks."""
    check(V201, action, copy.deepcopy(payload), response=False)


def response_ok(action: str, payload: dict[str, Any]) -> None:
    original = copy.deepcopy(payload)
    check(V201, action, payload, response=True)
    assert payload == original, "our response relied on a schema default"


def meter_value(timestamp: str = TS, **sampled: Any) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": [sampled]}


def meter_values_request(*meter_value: dict[str, Any]) -> dict[str, Any]:
    return {"evseId": 1, "meterValue": list(meter_value)}


# --- time ----------------------------------------------------------------------------------


def test_time_is_read_and_written_as_in_16() -> None:
    assert translate.parse_time is translate16.parse_time
    assert translate.format_time is translate16.format_time
    assert set(translate.__all__) == {"format_time", "parse_time"}
    assert translate.parse_time("2024-05-01T14:00:00+02:00") == AT
    assert translate.format_time(AT) == "2024-05-01T12:00:00.000Z"


# --- boot ----------------------------------------------------------------------------------


def test_boot_info_full() -> None:
    payload = {
        "reason": "FirmwareUpdate",
        "chargingStation": {
            "model": "Wallbox 22",
            "vendorName": "ACME",
            "serialNumber": "SN-1",
            "firmwareVersion": "2.0.1-rc3",
            "modem": {"iccid": "8935", "imsi": "2440"},
        },
    }
    request_ok("BootNotification", payload)
    assert boot_info(payload) == BootInfo(
        vendor="ACME",
        model="Wallbox 22",
        serial_number="SN-1",
        firmware_version="2.0.1-rc3",
        iccid="8935",
        imsi="2440",
        reason="FirmwareUpdate",
    )


def test_boot_info_minimal() -> None:
    payload = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
    request_ok("BootNotification", payload)
    info = boot_info(payload)
    assert info == BootInfo(vendor="V", model="M", reason="PowerUp")
    assert (info.serial_number, info.firmware_version, info.iccid, info.imsi) == ("", "", "", "")
    assert (info.meter_type, info.meter_serial_number) == ("", "")


def test_boot_info_with_an_empty_modem() -> None:
    payload = {
        "reason": "Watchdog",
        "chargingStation": {"model": "M", "vendorName": "V", "modem": {}},
    }
    request_ok("BootNotification", payload)
    assert boot_info(payload) == BootInfo(vendor="V", model="M", reason="Watchdog")


def test_boot_info_with_only_an_iccid() -> None:
    payload = {
        "reason": "PowerUp",
        "chargingStation": {"model": "M", "vendorName": "V", "modem": {"iccid": "89"}},
    }
    assert (boot_info(payload).iccid, boot_info(payload).imsi) == ("89", "")


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (
            BootDecision(RegistrationStatus.ACCEPTED, 300),
            {"status": "Accepted", "currentTime": "2024-05-01T12:00:00.000Z", "interval": 300},
        ),
        (
            BootDecision(RegistrationStatus.PENDING, 30),
            {"status": "Pending", "currentTime": "2024-05-01T12:00:00.000Z", "interval": 30},
        ),
        (
            BootDecision(RegistrationStatus.REJECTED, 150),
            {"status": "Rejected", "currentTime": "2024-05-01T12:00:00.000Z", "interval": 150},
        ),
    ],
)
def test_boot_response(decision: BootDecision, expected: dict[str, Any]) -> None:
    response = boot_response(decision, AT)
    assert response == expected
    response_ok("BootNotification", response)


def test_boot_response_time_is_utc_with_milliseconds() -> None:
    helsinki = datetime(2024, 5, 1, 15, 0, 0, 123_999, tzinfo=timezone(timedelta(hours=3)))
    response = boot_response(BootDecision(RegistrationStatus.ACCEPTED, 60), helsinki)
    assert response["currentTime"] == "2024-05-01T12:00:00.123Z"
    response_ok("BootNotification", response)


# --- status --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Available", ConnectorStatus.AVAILABLE),
        ("Occupied", ConnectorStatus.OCCUPIED),
        ("Reserved", ConnectorStatus.RESERVED),
        ("Unavailable", ConnectorStatus.UNAVAILABLE),
        ("Faulted", ConnectorStatus.FAULTED),
    ],
)
def test_status_report(text: str, status: ConnectorStatus) -> None:
    payload = {
        "timestamp": "2024-05-01T14:00:00+02:00",
        "connectorStatus": text,
        "evseId": 2,
        "connectorId": 3,
    }
    request_ok("StatusNotification", payload)
    report = status_report(payload)
    assert report == StatusReport(evse_id=2, connector_id=3, status=status, timestamp=AT)
    assert report.timestamp.tzinfo is UTC
    assert report.timed
    assert (report.error_code, report.info, report.vendor_id, report.vendor_error_code) == (
        NO_ERROR,
        "",
        "",
        "",
    )
    assert not report.is_station


def test_status_report_of_evse_zero_is_the_station() -> None:
    payload = {"timestamp": TS, "connectorStatus": "Unavailable", "evseId": 0, "connectorId": 0}
    report = status_report(payload)
    assert (report.evse_id, report.connector_id, report.timestamp) == (0, 0, AT)
    assert report.is_station


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("token_type", list(IdTokenType))
def test_token_ref_of_every_type(token_type: IdTokenType) -> None:
    id_token = {"idToken": "04A2B3C4D5", "type": token_type.value}
    request_ok("Authorize", {"idToken": id_token})
    assert token_ref(id_token) == TokenRef(value="04A2B3C4D5", type=token_type)


def test_token_ref_ignores_additional_info() -> None:
    id_token = {
        "idToken": "EMP-123",
        "type": "eMAID",
        "additionalInfo": [{"additionalIdToken": "X", "type": "Contract"}],
    }
    request_ok("Authorize", {"idToken": id_token})
    assert token_ref(id_token) == TokenRef(value="EMP-123", type=IdTokenType.EMAID)


@pytest.mark.parametrize("id_token", [None, {}])
def test_no_token_no_ref(id_token: dict[str, Any] | None) -> None:
    assert token_ref(id_token) is None


def test_an_unknown_token_type_is_refused() -> None:
    with pytest.raises(ValueError, match="Barcode"):
        token_ref({"idToken": "1", "type": "Barcode"})


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (AuthorizationStatus.ACCEPTED, "Accepted"),
        (AuthorizationStatus.BLOCKED, "Blocked"),
        (AuthorizationStatus.EXPIRED, "Expired"),
        (AuthorizationStatus.INVALID, "Invalid"),
        (AuthorizationStatus.CONCURRENT_TX, "ConcurrentTx"),
        (AuthorizationStatus.UNKNOWN, "Unknown"),
        (AuthorizationStatus.NOT_AT_THIS_LOCATION, "NotAtThisLocation"),
        (AuthorizationStatus.NOT_AT_THIS_TIME, "NotAtThisTime"),
    ],
)
def test_id_token_info_status(status: AuthorizationStatus, text: str) -> None:
    info = id_token_info(AuthorizationDecision(status))
    assert info == {"status": text}
    response_ok("Authorize", {"idTokenInfo": info})
    response_ok("TransactionEvent", {"idTokenInfo": info})


def test_an_unknown_token_is_unknown_in_201() -> None:
    info = id_token_info(authorize(None, NOW))
    assert info == {"status": "Unknown"}
    response_ok("Authorize", {"idTokenInfo": info})


def test_id_token_info_with_expiry_and_group() -> None:
    expires = datetime(2025, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    info = id_token_info(AuthorizationDecision(AuthorizationStatus.ACCEPTED, expires, "FLEET"))
    assert info == {
        "status": "Accepted",
        "cacheExpiryDateTime": "2025-01-01T00:00:00.000Z",
        "groupIdToken": {"idToken": "FLEET", "type": "Central"},
    }
    response_ok("Authorize", {"idTokenInfo": info})
    response_ok("TransactionEvent", {"totalCost": 0, "idTokenInfo": info})


@pytest.mark.parametrize(("length", "kept"), [(36, 36), (37, 36), (60, 36), (1, 1)])
def test_id_token_info_cuts_a_long_group_to_36_characters(length: int, kept: int) -> None:
    group = "".join(chr(ord("A") + i % 26) for i in range(length))
    info = id_token_info(AuthorizationDecision(AuthorizationStatus.BLOCKED, group_id=group))
    assert info == {
        "status": "Blocked",
        "groupIdToken": {"idToken": group[:kept], "type": "Central"},
    }
    response_ok("Authorize", {"idTokenInfo": info})


def test_id_token_info_omits_an_empty_group() -> None:
    info = id_token_info(AuthorizationDecision(AuthorizationStatus.EXPIRED, group_id=""))
    assert info == {"status": "Expired"}


@settings(deadline=None)
@given(
    st.sampled_from(list(AuthorizationStatus)),
    st.one_of(
        st.none(),
        st.datetimes(
            min_value=datetime(2000, 1, 2),
            max_value=datetime(2099, 12, 30),
            timezones=st.just(UTC),
        ),
    ),
    st.one_of(st.none(), st.text(min_size=0, max_size=60)),
)
def test_any_decision_is_a_valid_201_answer(
    status: AuthorizationStatus, expires: datetime | None, group: str | None
) -> None:
    info = id_token_info(AuthorizationDecision(status, expires, group))
    response_ok("Authorize", {"idTokenInfo": info})
    response_ok("TransactionEvent", {"idTokenInfo": info})
    assert info["status"] == status.value
    assert ("cacheExpiryDateTime" in info) == (expires is not None)
    assert ("groupIdToken" in info) == bool(group)
    if expires is not None:
        parsed = translate.parse_time(info["cacheExpiryDateTime"])
        assert timedelta(0) <= expires - parsed < timedelta(milliseconds=1)


# --- sampled values ------------------------------------------------------------------------


def test_sampled_value_without_measurand_or_unit_is_the_energy_register_in_wh() -> None:
    payload = meter_values_request(meter_value(value=1234))
    request_ok("MeterValues", payload)
    [sample] = sampled_values(payload["meterValue"])
    assert sample == SampledValue(
        timestamp=AT, measurand=DEFAULT_MEASURAND, value=1234.0, unit="Wh"
    )
    assert DEFAULT_MEASURAND == "Energy.Active.Import.Register"
    assert isinstance(sample.value, float)


def test_sampled_value_kwh_is_stored_in_wh() -> None:
    [sample] = sampled_values([meter_value(value=12.5, unitOfMeasure={"unit": "kWh"})])
    assert (sample.value, sample.unit, sample.raw) == (12500.0, "Wh", None)


@pytest.mark.parametrize(
    ("measurand", "value", "unit_of_measure", "expected", "stored_unit"),
    [
        (DEFAULT_MEASURAND, 12.5, {"unit": "Wh", "multiplier": 3}, 12_500.0, "Wh"),
        (DEFAULT_MEASURAND, 12_500, {"unit": "kWh", "multiplier": -3}, 12_500.0, "Wh"),
        (DEFAULT_MEASURAND, 12.5, {"multiplier": 3}, 12_500.0, "Wh"),
        (DEFAULT_MEASURAND, 125, {"unit": "Wh", "multiplier": 0}, 125.0, "Wh"),
        (DEFAULT_MEASURAND, 5, {"unit": "kWh", "multiplier": 1}, 50_000.0, "Wh"),
        ("Power.Active.Import", 7.4, {"unit": "W", "multiplier": 3}, 7_400.0, "W"),
        ("Power.Active.Import", 7.4, {"unit": "kW"}, 7_400.0, "W"),
        ("Current.Import", 160, {"unit": "A", "multiplier": -1}, 16.0, "A"),
        ("Voltage", 230.4, {}, 230.4, "V"),
        ("SoC", 80, {"unit": "Percent"}, 80.0, "%"),
        ("Energy.Reactive.Import.Register", 2.5, {"unit": "kvarh"}, 2_500.0, "varh"),
        ("Energy.Active.Import.Interval", 40, {"unit": "Wh", "multiplier": 1}, 400.0, "Wh"),
        ("Frequency", 50, {"unit": "Hz"}, 50.0, "Hz"),
        ("Power.Active.Import", 3, {"unit": "MegaWatt", "multiplier": 2}, 300.0, "MegaWatt"),
    ],
)
def test_sampled_value_units_and_multiplier(
    measurand: str,
    value: float,
    unit_of_measure: dict[str, Any],
    expected: float,
    stored_unit: str,
) -> None:
    sampled: dict[str, Any] = {"value": value, "measurand": measurand}
    if unit_of_measure:
        sampled["unitOfMeasure"] = unit_of_measure
    request_ok("MeterValues", meter_values_request(meter_value(**sampled)))
    [sample] = sampled_values([meter_value(**sampled)])
    assert sample.value == pytest.approx(expected)
    assert sample.unit == stored_unit
    assert sample.measurand == measurand


def test_sampled_value_keeps_phase_context_location() -> None:
    payload = meter_values_request(
        meter_value(
            value=230.4,
            measurand="Voltage",
            phase="L1-N",
            context="Sample.Periodic",
            location="Outlet",
        )
    )
    request_ok("MeterValues", payload)
    [sample] = sampled_values(payload["meterValue"])
    assert sample == SampledValue(
        timestamp=AT,
        measurand="Voltage",
        value=230.4,
        unit="V",
        phase="L1-N",
        context="Sample.Periodic",
        location="Outlet",
    )


def test_signed_meter_value_keeps_the_value_and_the_signed_data() -> None:
    signed = {
        "signedMeterData": "T0NNRnwxfDB8MTIzNA==",
        "signingMethod": "ECDSA-secp256r1-SHA256",
        "encodingMethod": "OCMF",
        "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    }
    payload = meter_values_request(
        meter_value(value=1.234, unitOfMeasure={"unit": "kWh"}, signedMeterValue=signed)
    )
    request_ok("MeterValues", payload)
    [sample] = sampled_values(payload["meterValue"])
    assert sample.value == pytest.approx(1234.0)
    assert (sample.unit, sample.raw) == ("Wh", "T0NNRnwxfDB8MTIzNA==")
    assert energy_register_wh([sample]) == 1234


def test_signed_data_is_kept_up_to_2500_characters() -> None:
    blob = "A" * 2600
    signed = {"signedMeterData": blob, "signingMethod": "", "encodingMethod": "", "publicKey": ""}
    [sample] = sampled_values([meter_value(value=1, signedMeterValue=signed)])
    assert sample.raw == "A" * 2500


def test_several_meter_values_and_samples_are_flattened_in_order() -> None:
    payload = meter_values_request(
        {
            "timestamp": "2024-05-01T11:59:00Z",
            "sampledValue": [
                {"value": 100, "phase": "L1", "context": "Transaction.Begin"},
                {"value": 200, "phase": "L2", "context": "Transaction.Begin"},
                {"value": 300, "phase": "L3", "context": "Transaction.Begin"},
            ],
        },
        {
            "timestamp": TS,
            "sampledValue": [
                {"value": 7, "measurand": "SoC"},
                {"value": 0.7, "unitOfMeasure": {"unit": "kWh"}, "context": "Transaction.End"},
            ],
        },
    )
    request_ok("MeterValues", payload)
    samples = sampled_values(payload["meterValue"])
    before = AT - timedelta(minutes=1)
    assert [(s.timestamp, s.measurand, s.value, s.phase, s.context) for s in samples] == [
        (before, DEFAULT_MEASURAND, 100.0, "L1", "Transaction.Begin"),
        (before, DEFAULT_MEASURAND, 200.0, "L2", "Transaction.Begin"),
        (before, DEFAULT_MEASURAND, 300.0, "L3", "Transaction.Begin"),
        (AT, "SoC", 7.0, None, None),
        (AT, DEFAULT_MEASURAND, pytest.approx(700.0), None, "Transaction.End"),
    ]
    assert register_readings(samples) == [
        (before, "Transaction.Begin", 600),
        (AT, "Transaction.End", 700),
    ]


def test_a_meter_value_without_samples_gives_none() -> None:
    assert sampled_values([{"timestamp": TS}]) == []
    assert sampled_values([{"timestamp": TS, "sampledValue": []}]) == []
    assert sampled_values([]) == []


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=-3, max_value=3))
def test_every_multiplier_gives_the_same_register(wh: int, multiplier: int) -> None:
    # the same reading written with any power of ten, in Wh or in kWh
    in_wh = meter_value(value=wh / 10**multiplier, unitOfMeasure={"multiplier": multiplier})
    kwh = {"unit": "kWh", "multiplier": multiplier}
    in_kwh = meter_value(value=wh / 1000 / 10**multiplier, unitOfMeasure=kwh)
    assert energy_register_wh(sampled_values([in_wh])) == wh
    assert energy_register_wh(sampled_values([in_kwh])) == wh


# --- transaction events --------------------------------------------------------------------


def test_transaction_event_full() -> None:
    payload = {
        "eventType": "Updated",
        "timestamp": "2024-05-01T14:00:00+02:00",
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 4,
        "offline": True,
        "numberOfPhasesUsed": 3,
        "cableMaxCurrent": 32,
        "reservationId": 12,
        "transactionInfo": {
            "transactionId": "a1b2-c3d4",
            "chargingState": "Charging",
            "timeSpentCharging": 600,
            "stoppedReason": "Local",
            "remoteStartId": 77,
        },
        "idToken": {"idToken": "04A2B3C4", "type": "ISO14443"},
        "evse": {"id": 2, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": TS,
                "sampledValue": [
                    {"value": 12.5, "unitOfMeasure": {"unit": "kWh"}, "context": "Sample.Periodic"}
                ],
            }
        ],
    }
    request_ok("TransactionEvent", payload)
    assert transaction_event(payload) == TransactionEventInput(
        event_type=TransactionEventType.UPDATED,
        transaction_ref="a1b2-c3d4",
        seq_no=4,
        timestamp=AT,
        trigger_reason="MeterValuePeriodic",
        evse_id=2,
        connector_id=1,
        id_token=TokenRef("04A2B3C4", IdTokenType.ISO14443),
        charging_state="Charging",
        stopped_reason="Local",
        remote_start_id=77,
        reservation_id=12,
        offline=True,
        number_of_phases=3,
        samples=[
            SampledValue(
                timestamp=AT,
                measurand=DEFAULT_MEASURAND,
                value=12_500.0,
                unit="Wh",
                context="Sample.Periodic",
            )
        ],
    )


@pytest.mark.parametrize(
    ("text", "event_type"),
    [
        ("Started", TransactionEventType.STARTED),
        ("Updated", TransactionEventType.UPDATED),
        ("Ended", TransactionEventType.ENDED),
    ],
)
def test_transaction_event_minimal(text: str, event_type: TransactionEventType) -> None:
    payload = {
        "eventType": text,
        "timestamp": TS,
        "triggerReason": "CablePluggedIn",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "T-1"},
    }
    request_ok("TransactionEvent", payload)
    event = transaction_event(payload)
    assert event == TransactionEventInput(
        event_type=event_type,
        transaction_ref="T-1",
        seq_no=0,
        timestamp=AT,
        trigger_reason="CablePluggedIn",
        samples=[],
    )
    assert (event.evse_id, event.connector_id, event.id_token) == (None, None, None)
    assert (event.charging_state, event.stopped_reason, event.remote_start_id) == (
        None,
        None,
        None,
    )
    assert (event.reservation_id, event.offline, event.number_of_phases) == (None, False, None)
    assert list(event.samples) == []


def test_transaction_event_evse_without_connector() -> None:
    payload = {
        "eventType": "Started",
        "timestamp": TS,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "T-2"},
        "evse": {"id": 1},
    }
    request_ok("TransactionEvent", payload)
    event = transaction_event(payload)
    assert (event.evse_id, event.connector_id) == (1, None)


def test_transaction_event_facts_carry_what_the_domain_needs() -> None:
    payload = {
        "eventType": "Ended",
        "timestamp": TS,
        "triggerReason": "EVCommunicationLost",
        "seqNo": 9,
        "offline": True,
        "numberOfPhasesUsed": 1,
        "reservationId": 3,
        "transactionInfo": {
            "transactionId": "T-3",
            "chargingState": "Idle",
            "stoppedReason": "EVDisconnected",
            "remoteStartId": 5,
        },
        "evse": {"id": 2, "connectorId": 2},
    }
    request_ok("TransactionEvent", payload)
    facts = transaction_event(payload).facts()
    assert (facts.event_type, facts.seq_no, facts.timestamp) == (TransactionEventType.ENDED, 9, AT)
    assert (facts.evse_id, facts.connector_id, facts.charging_state) == (2, 2, "Idle")
    assert (facts.remote_start_id, facts.reservation_id) == (5, 3)
    assert (facts.offline, facts.number_of_phases) == (True, 1)


def test_transaction_event_with_a_bad_event_type_is_refused() -> None:
    payload = {
        "eventType": "Paused",
        "timestamp": TS,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "T"},
    }
    with pytest.raises(ValueError, match="Paused"):
        transaction_event(payload)


# --- device model --------------------------------------------------------------------------


def report_payload(*report_data: dict[str, Any], request_id: int = 17) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "generatedAt": TS,
        "seqNo": 0,
        "tbc": False,
        "reportData": list(report_data),
    }


def as_dicts(found: list[DeviceVariable]) -> list[dict[str, Any]]:
    return [fields(v) for v in found]


def test_device_variables_of_one_attribute_with_characteristics() -> None:
    payload = report_payload(
        {
            "component": {"name": "SmartChargingCtrlr"},
            "variable": {"name": "LimitChangeSignificance"},
            "variableAttribute": [
                {"type": "Actual", "value": "0.1", "mutability": "ReadWrite", "persistent": True}
            ],
            "variableCharacteristics": {
                "unit": "Percent",
                "dataType": "decimal",
                "minLimit": 0,
                "maxLimit": 1.5,
                "supportsMonitoring": False,
            },
        }
    )
    request_ok("NotifyReport", payload)
    found = device_variables(payload, station_id=7, now=NOW)
    expected = DeviceVariable(
        station_id=7,
        component="SmartChargingCtrlr",
        variable="LimitChangeSignificance",
        updated_at=NOW,
        value="0.1",
        mutability="ReadWrite",
        persistent=True,
        unit="Percent",
        data_type="decimal",
        min_limit=0,
        max_limit=1.5,
        supports_monitoring=False,
        report_request_id=17,
    )
    assert as_dicts(found) == as_dicts([expected])
    assert found[0].key == ("SmartChargingCtrlr", "", 0, 0, "LimitChangeSignificance", "", "Actual")
    assert (found[0].constant, found[0].values_list) == (None, None)


def test_device_variables_of_every_attribute_on_an_evse() -> None:
    payload = report_payload(
        {
            "component": {
                "name": "Connector",
                "instance": "left",
                "evse": {"id": 2, "connectorId": 1},
            },
            "variable": {"name": "Available", "instance": "x"},
            "variableAttribute": [
                {"type": "Actual", "value": "true", "mutability": "ReadOnly"},
                {"type": "Target", "value": "false", "constant": False},
                {"type": "MinSet"},
            ],
            "variableCharacteristics": {
                "dataType": "OptionList",
                "valuesList": "true,false",
                "supportsMonitoring": True,
            },
        },
        request_id=3,
    )
    request_ok("NotifyReport", payload)
    found = device_variables(payload, station_id=7, now=NOW)
    common: dict[str, Any] = {
        "station_id": 7,
        "component": "Connector",
        "component_instance": "left",
        "evse_id": 2,
        "connector_id": 1,
        "variable": "Available",
        "variable_instance": "x",
        "updated_at": NOW,
        "data_type": "OptionList",
        "values_list": "true,false",
        "supports_monitoring": True,
        "report_request_id": 3,
    }
    assert as_dicts(found) == as_dicts(
        [
            DeviceVariable(**common, attribute_type="Actual", value="true", mutability="ReadOnly"),
            DeviceVariable(**common, attribute_type="Target", value="false", constant=False),
            DeviceVariable(**common, attribute_type="MinSet"),
        ]
    )
    assert len({v.key for v in found}) == 3


def test_device_variables_without_characteristics_or_attribute_type() -> None:
    payload = report_payload(
        {
            "component": {"name": "OCPPCommCtrlr", "evse": {"id": 1}},
            "variable": {"name": "HeartbeatInterval"},
            "variableAttribute": [{"value": "300"}],
        },
        {
            "component": {"name": "AuthCtrlr"},
            "variable": {"name": "Enabled"},
            "variableAttribute": [{"value": "true", "persistent": False}],
        },
    )
    request_ok("NotifyReport", payload)
    found = device_variables(payload, station_id=1, now=NOW)
    assert [(v.component, v.evse_id, v.connector_id, v.attribute_type, v.value) for v in found] == [
        ("OCPPCommCtrlr", 1, 0, "Actual", "300"),
        ("AuthCtrlr", 0, 0, "Actual", "true"),
    ]
    assert found[1].persistent is False
    assert all(v.unit is None and v.data_type is None for v in found)
    assert all(v.supports_monitoring is None for v in found)
    assert all(v.report_request_id == 17 for v in found)


def test_a_report_without_data_has_no_variables() -> None:
    payload = {"requestId": 1, "generatedAt": TS, "seqNo": 3}
    request_ok("NotifyReport", payload)
    assert device_variables(payload, station_id=1, now=NOW) == []
    assert device_variables({**payload, "reportData": []}, station_id=1, now=NOW) == []


# --- json_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"a": 1, "b": [True, None, 2.5]}, '{"a":1,"b":[true,null,2.5]}'),
        ([1, "x"], '[1,"x"]'),
        ("plain", '"plain"'),
        (42, "42"),
        (None, "null"),
        ({"name": "Zoë ⚡"}, '{"name":"Zoë ⚡"}'),
        ({}, "{}"),
    ],
)
def test_json_text(data: Any, text: str) -> None:
    assert json_text(data) == text
    request_ok("DataTransfer", {"vendorId": "ACME", "data": data})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(deadline=None)
@given(json_values)
def test_json_text_reads_back_as_the_same_data(data: Any) -> None:
    assert json.loads(json_text(data)) == data
