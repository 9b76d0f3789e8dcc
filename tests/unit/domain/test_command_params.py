"""Command parameters: one dataclass per operation, kept and carried as JSON (stored with the
command, sent over Redis), rows written by earlier versions still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
)
from kilowatt.domain.codec import decode, encode
from kilowatt.domain.command_params import (
    PARAMS,
    ClearChargingProfile,
    CommandParams,
    GetCompositeSchedule,
    GetLog,
    RemoteStart,
    ReserveNow,
    Reset,
    SendLocalList,
    SetChargingProfile,
    UpdateFirmware,
    Vendor,
    decode_params,
    encode_params,
)
from kilowatt.domain.commands import CommandId, CommandRequest, Operation
from kilowatt.domain.device_model import SetVariables, VariableValue
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.stations import OcppId

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PROFILE = ChargingProfile(
    id=7,
    stack_level=1,
    purpose=ProfilePurpose.TX_DEFAULT,
    kind=ProfileKind.ABSOLUTE,
    valid_to=AT,
    schedules=(
        ChargingSchedule(
            id=1,
            start_schedule=AT,
            rate_unit=RateUnit.WATTS,
            periods=(
                ChargingSchedulePeriod(0, 11000.0),
                ChargingSchedulePeriod(3600, 7400.0, number_phases=3),
            ),
        ),
    ),
)
EXAMPLES: list[CommandParams] = [
    RemoteStart(id_tag="CARD-1", evse_id=2, charging_profile=PROFILE, start_window=90.0),
    Reset(type="hard", evse_id=1),
    ReserveNow(id_tag="CARD-1", expires_at=AT, evse_id=1, reservation_id=4),
    SendLocalList(
        update_type="differential",
        version=3,
        entries={"CARD-1": {"status": "Accepted", "expires_at": None}, "CARD-2": {}},
    ),
    SetChargingProfile(evse_id=1, charging_profile=PROFILE),
    ClearChargingProfile(purpose=ProfilePurpose.STATION_MAX, stack_level=0),
    GetCompositeSchedule(duration=3600, rate_unit=RateUnit.AMPERES),
    SetVariables(
        variables=(
            VariableValue(component="OCPPCommCtrlr", variable="HeartbeatInterval", value="60"),
        )
    ),
    UpdateFirmware(firmware_id=3, retrieve_at=AT, update_id=9, location="https://x/fw"),
    GetLog(start=AT, log_type="SecurityLog", upload_id=2),
    Vendor(template="reboot", vendor_id="com.example", data={"deep": [1, {"a": None}]}),
]


@pytest.mark.parametrize("params", EXAMPLES, ids=lambda p: p.operation.value)
def test_parameters_come_back_from_their_json_as_they_were(params: CommandParams) -> None:
    stored = json.loads(json.dumps(encode_params(params)))  # as a JSON column keeps it
    assert decode_params(params.operation, stored) == params
    assert decode_params(params.operation.value, stored) == params


def test_every_operation_has_its_parameters() -> None:
    assert set(PARAMS) == set(Operation)
    assert all(cls.operation is operation for operation, cls in PARAMS.items())


@pytest.mark.parametrize("params", EXAMPLES, ids=lambda p: p.operation.value)
def test_a_command_request_crosses_to_another_node_whole(params: CommandParams) -> None:
    request = CommandRequest(CommandId(42), OcppId("CP-1"), params, timeout=12.5)
    travelled = CommandRequest.from_dict(json.loads(json.dumps(request.as_dict())))
    assert travelled == request
    assert travelled.operation is params.operation


OLD_ROWS: list[tuple[str, dict[str, Any], CommandParams]] = [
    # As the API's bodies (model_dump(mode="json", exclude_none=True)) and the hooks kept them.
    (
        "remote_start",
        {
            "id_tag": "CARD-1",
            "allow_unknown": False,
            "start_window": 120,
            "id_token_type": "ISO14443",
        },
        RemoteStart(id_tag="CARD-1", start_window=120.0, id_token_type="ISO14443"),
    ),
    (
        "reserve_now",
        {
            "id_tag": "CARD-1",
            "expires_at": "2026-05-01T12:00:00Z",
            "evse_id": 0,
            "reservation_id": 3,
            "id_token_type": "ISO14443",
        },
        ReserveNow(id_tag="CARD-1", expires_at=AT, reservation_id=3, id_token_type="ISO14443"),
    ),
    (
        "update_firmware",
        {
            "firmware_id": 3,
            "update_id": 9,
            "retrieve_at": "2026-05-01T12:00:00+00:00",
            "location": "https://x/fw",
            "firmware_version": "1.2",
        },
        UpdateFirmware(
            firmware_id=3,
            update_id=9,
            retrieve_at=AT,
            location="https://x/fw",
            firmware_version="1.2",
        ),
    ),
    (
        "vendor",
        {"template": "reboot", "template_id": 1, "vendor_id": "com.example", "data": "x"},
        Vendor(template="reboot", template_id=1, vendor_id="com.example", data="x"),
    ),
    ("clear_cache", {}, PARAMS[Operation.CLEAR_CACHE]()),
]


@pytest.mark.parametrize(("operation", "stored", "params"), OLD_ROWS, ids=lambda v: str(v)[:20])
def test_rows_kept_by_earlier_versions_still_read(
    operation: str, stored: dict[str, Any], params: CommandParams
) -> None:
    assert decode_params(operation, stored) == params


def test_json_that_does_not_fit_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_params(
            "set_charging_profile", {"charging_profile": {**encode(PROFILE), "purpose": "x"}}
        )
    assert raised.value.field == "charging_profile.purpose"
    with pytest.raises(InvalidInput) as raised:
        decode_params("reset", {"type": "sideways"})
    assert raised.value.field == "type"
    with pytest.raises(InvalidInput) as raised:
        decode_params("get_composite_schedule", {"duration": "long"})
    assert raised.value.field == "duration"
    with pytest.raises(InvalidInput):
        decode_params("reset", {})  # its type is needed


def test_strictly_a_key_it_does_not_have_is_refused_otherwise_ignored() -> None:
    stored = {"type": "soft", "typo": 1}
    assert decode(Reset, stored) == Reset(type="soft")
    with pytest.raises(InvalidInput) as raised:
        decode(Reset, stored, strict=True)
    assert raised.value.field == "typo"
    nested = {"charging_profile": {**encode(PROFILE), "stack_levle": 2}}
    with pytest.raises(InvalidInput) as raised:
        decode(SetChargingProfile, nested, strict=True)
    assert raised.value.field == "charging_profile.stack_levle"
