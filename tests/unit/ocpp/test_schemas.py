"""Payload validation against the official schemas and the error kind each violation gets."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.rpc import ErrorKind, RpcError
from kilowatt.ocpp.schemas import actions, check, validator

V16 = ProtocolVersion.OCPP16
V201 = ProtocolVersion.OCPP201
TS = "2024-05-01T12:00:00Z"

START = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": TS}
STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


def meter_values(*sampled: dict[str, Any]) -> dict[str, Any]:
    return {"connectorId": 1, "meterValue": [{"timestamp": TS, "sampledValue": list(sampled)}]}


def profile(limit: float, min_rate: float | None = None) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    if min_rate is not None:
        schedule["minChargingRate"] = min_rate
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": schedule,
        },
    }


def violation(
    version: ProtocolVersion, action: str, payload: dict[str, Any], *, response: bool = False
) -> RpcError:
    with pytest.raises(RpcError) as raised:
        check(version, action, payload, response=response)
    return raised.value


# --- valid payloads pass -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "response"),
    [
        ("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}, False),
        ("Heartbeat", {}, False),
        ("StartTransaction", START, False),
        ("StartTransaction", {**START, "reservationId": 4}, False),
        ("StatusNotification", {**STATUS, "timestamp": "2024-05-01T14:00:00.123+02:00"}, False),
        ("MeterValues", meter_values({"value": "1234", "unit": "Celcius"}), False),
        ("StopTransaction", {"transactionId": 1, "meterStop": 5, "timestamp": TS}, False),
        ("BootNotification", {"status": "Accepted", "currentTime": TS, "interval": 300}, True),
        ("Authorize", {"idTagInfo": {"status": "ConcurrentTx"}}, True),
        ("RemoteStartTransaction", {"idTag": "TAG1", "connectorId": 1}, False),
        ("Reset", {"status": "Accepted"}, True),
    ],
)
def test_valid_16_payloads_pass(action: str, payload: dict[str, Any], response: bool) -> None:
    assert check(V16, action, payload, response=response) is None


def test_unknown_action_is_not_validated() -> None:
    assert validator(V16, "NoSuchAction", False) is None
    assert check(V16, "NoSuchAction", {"anything": [1, 2]}, response=False) is None


def test_201_file_names_are_used_for_201() -> None:
    boot = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
    assert check(V201, "BootNotification", boot, response=False) is None
    error = violation(V201, "BootNotification", {**boot, "reason": "Bored"})
    assert (error.kind, error.details) == (ErrorKind.PROPERTY, {"field": "reason"})


def test_201_nested_definitions_are_checked() -> None:
    boot = {"reason": "PowerUp", "chargingStation": {"model": "M" * 21, "vendorName": "V"}}
    error = violation(V201, "BootNotification", boot)
    assert (error.kind, error.details) == (ErrorKind.TYPE, {"field": "chargingStation.model"})


# --- each rule and its error kind ----------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "response", "kind", "field"),
    [
        # required -> OccurrenceConstraintViolation
        (
            "StartTransaction",
            {k: v for k, v in START.items() if k != "timestamp"},
            False,
            ErrorKind.OCCURRENCE,
            "payload",
        ),
        ("BootNotification", {"chargePointVendor": "V"}, False, ErrorKind.OCCURRENCE, "payload"),
        ("Authorize", {}, True, ErrorKind.OCCURRENCE, "payload"),
        # minItems -> OccurrenceConstraintViolation
        (
            "MeterValues",
            {"connectorId": 1, "meterValue": []},
            False,
            ErrorKind.OCCURRENCE,
            "meterValue",
        ),
        ("MeterValues", meter_values(), False, ErrorKind.OCCURRENCE, "meterValue[0].sampledValue"),
        # type -> TypeConstraintViolation
        ("StartTransaction", {**START, "connectorId": "1"}, False, ErrorKind.TYPE, "connectorId"),
        ("StartTransaction", {**START, "connectorId": True}, False, ErrorKind.TYPE, "connectorId"),
        ("StartTransaction", {**START, "meterStart": 1.5}, False, ErrorKind.TYPE, "meterStart"),
        ("StartTransaction", {**START, "idTag": None}, False, ErrorKind.TYPE, "idTag"),
        (
            "MeterValues",
            meter_values({"value": 1234}),
            False,
            ErrorKind.TYPE,
            "meterValue[0].sampledValue[0].value",
        ),
        # maxLength -> TypeConstraintViolation
        ("StartTransaction", {**START, "idTag": "T" * 21}, False, ErrorKind.TYPE, "idTag"),
        ("StatusNotification", {**STATUS, "info": "i" * 51}, False, ErrorKind.TYPE, "info"),
        # format -> TypeConstraintViolation
        ("StartTransaction", {**START, "timestamp": "today"}, False, ErrorKind.TYPE, "timestamp"),
        (
            "StartTransaction",
            {**START, "timestamp": "2024-05-01T12:00:00"},
            False,
            ErrorKind.TYPE,
            "timestamp",
        ),
        # enum -> PropertyConstraintViolation
        ("StatusNotification", {**STATUS, "status": "Broken"}, False, ErrorKind.PROPERTY, "status"),
        (
            "StatusNotification",
            {**STATUS, "errorCode": "Oops"},
            False,
            ErrorKind.PROPERTY,
            "errorCode",
        ),
        (
            "MeterValues",
            meter_values({"value": "1", "unit": "Parsec"}),
            False,
            ErrorKind.PROPERTY,
            "meterValue[0].sampledValue[0].unit",
        ),
        (
            "BootNotification",
            {"status": "Maybe", "currentTime": TS, "interval": 1},
            True,
            ErrorKind.PROPERTY,
            "status",
        ),
        # additionalProperties -> FormationViolation
        ("StartTransaction", {**START, "extra": 1}, False, ErrorKind.FORMAT, "payload"),
        ("Heartbeat", {"now": TS}, False, ErrorKind.FORMAT, "payload"),
    ],
)
def test_rule_maps_to_error_kind(
    action: str, payload: dict[str, Any], response: bool, kind: ErrorKind, field: str
) -> None:
    error = violation(V16, action, payload, response=response)
    assert error.kind is kind
    assert error.details == {"field": field}
    assert error.unique_id is None


def test_violation_descriptions_name_the_field_without_data_prefix() -> None:
    assert violation(V16, "StartTransaction", {**START, "connectorId": "1"}).description == (
        "connectorId must be integer"
    )
    missing = {k: v for k, v in START.items() if k != "timestamp"}
    assert violation(V16, "StartTransaction", missing).description == (
        "payload must contain ['timestamp'] properties"
    )
    assert violation(V16, "StartTransaction", {**START, "idTag": "T" * 21}).description == (
        "idTag must be shorter than or equal to 20 characters"
    )


def test_csms_initiated_request_is_validated() -> None:
    error = violation(V16, "RemoteStartTransaction", {"connectorId": 1})
    assert error.kind is ErrorKind.OCCURRENCE
    error = violation(V16, "Reset", {"type": "Gentle"})
    assert (error.kind, error.details) == (ErrorKind.PROPERTY, {"field": "type"})


def test_csms_initiated_response_is_validated() -> None:
    error = violation(V16, "Reset", {"status": "Maybe"}, response=True)
    assert (error.kind, error.details) == (ErrorKind.PROPERTY, {"field": "status"})


# --- multipleOf 0.1 ------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [21.4, 6.1, 0.3, 32.0, 16, 1.7])
def test_decimal_limits_are_accepted(limit: float) -> None:
    assert check(V16, "SetChargingProfile", profile(limit, min_rate=limit), response=False) is None


LIMIT = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"
MIN_RATE = "csChargingProfiles.chargingSchedule.minChargingRate"


@pytest.mark.parametrize(
    ("limit", "min_rate", "field"),
    [(21.45, 6.0, LIMIT), (21.4, 0.15, MIN_RATE), (0.05, 6.0, LIMIT), (16.01, 6.0, LIMIT)],
)
def test_decimal_steps_are_enforced(limit: float, min_rate: float, field: str) -> None:
    # multipleOf 0.1: 21.45 has a second decimal and is refused, as the schema says
    error = violation(V16, "SetChargingProfile", profile(limit, min_rate=min_rate))
    assert (error.kind, error.details) == (ErrorKind.PROPERTY, {"field": field})
    assert error.description == f"{field} must be multiple of 0.1"


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_any_one_decimal_limit_is_accepted(tenths: int) -> None:
    limit = tenths / 10
    assert check(V16, "SetChargingProfile", profile(limit, min_rate=limit), response=False) is None


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**6).filter(lambda n: n % 10 != 0))
def test_any_two_decimal_limit_is_refused(hundredths: int) -> None:
    error = violation(V16, "SetChargingProfile", profile(hundredths / 100))
    assert (error.kind, error.details) == (ErrorKind.PROPERTY, {"field": LIMIT})


def test_decimal_limits_in_a_response_are_accepted() -> None:
    composite = {
        "status": "Accepted",
        "connectorId": 1,
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}],
            "minChargingRate": 6.1,
        },
    }
    assert check(V16, "GetCompositeSchedule", composite, response=True) is None


def test_decimal_limit_as_a_string_is_a_type_error() -> None:
    error = violation(V16, "SetChargingProfile", profile("21.4"))  # type: ignore[arg-type]
    assert error.kind is ErrorKind.TYPE
    assert error.details == {"field": LIMIT}


# --- actions -------------------------------------------------------------------------------

# OCPP 1.6 edition 2 (28 actions in six profiles) plus the 1.6 security whitepaper (11).
ACTIONS_16 = {
    "Authorize",
    "BootNotification",
    "ChangeAvailability",
    "ChangeConfiguration",
    "ClearCache",
    "DataTransfer",
    "GetConfiguration",
    "Heartbeat",
    "MeterValues",
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "Reset",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
    "UnlockConnector",
    "GetDiagnostics",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "UpdateFirmware",
    "GetLocalListVersion",
    "SendLocalList",
    "CancelReservation",
    "ReserveNow",
    "ClearChargingProfile",
    "GetCompositeSchedule",
    "SetChargingProfile",
    "TriggerMessage",
    "CertificateSigned",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "GetLog",
    "InstallCertificate",
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
    "SignedUpdateFirmware",
}


def test_16_actions_are_every_action_of_the_spec() -> None:
    assert actions(V16) == frozenset(ACTIONS_16)


def test_201_actions_include_both_directions() -> None:
    names = actions(V201)
    assert len(names) == 64
    for name in (
        "BootNotification",
        "TransactionEvent",
        "NotifyReport",
        "RequestStartTransaction",
        "SetVariables",
        "GetVariables",
        "Get15118EVCertificate",
    ):
        assert name in names
    assert not any(name.endswith(("Request", "Response")) for name in names)
    assert "StartTransaction" not in names


@pytest.mark.parametrize("version", list(ProtocolVersion))
def test_every_action_has_a_request_and_a_response_validator(version: ProtocolVersion) -> None:
    for action in actions(version):
        assert validator(version, action, False) is not None, action
        assert validator(version, action, True) is not None, action
