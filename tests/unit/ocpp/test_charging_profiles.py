"""Neutral charging profiles to OCPP 1.6 and 2.0.1 and back (ocpp/v16/charging_profiles.py,
ocpp/v201/charging_profiles.py): what each version has, what it cannot express refused naming
the field, composite schedules and reported profiles read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    CompositeSchedule,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    Recurrency,
    check_profile,
)
from kilowatt.domain.command_params import (
    ClearChargingProfile,
    CommandParams,
    GetChargingProfiles,
    GetCompositeSchedule,
    RemoteStart,
    SetChargingProfile,
)
from kilowatt.domain.commands import CommandId, CommandStatus
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.stations import ProtocolVersion
from kilowatt.ocpp.gateway import TABLES
from kilowatt.ocpp.schemas import check
from kilowatt.ocpp.v16 import charging_profiles as v16
from kilowatt.ocpp.v201 import charging_profiles as v201

START = datetime(2026, 1, 1, tzinfo=UTC)
PROFILE = ChargingProfile(
    id=21,
    stack_level=2,
    purpose=ProfilePurpose.TX_DEFAULT,
    kind=ProfileKind.RECURRING,
    recurrency=Recurrency.DAILY,
    valid_from=START,
    valid_to=START + timedelta(days=30),
    schedules=(
        ChargingSchedule(
            id=1,
            start_schedule=START,
            duration=86400,
            rate_unit=RateUnit.WATTS,
            periods=(
                ChargingSchedulePeriod(0, 11000.0),
                ChargingSchedulePeriod(3600, 7400.0, number_phases=3),
            ),
            min_charging_rate=1400.5,
        ),
    ),
)
SCHEDULE_16 = {
    "duration": 86400,
    "startSchedule": "2026-01-01T00:00:00.000Z",
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [
        {"startPeriod": 0, "limit": 11000.0},
        {"startPeriod": 3600, "limit": 7400.0, "numberPhases": 3},
    ],
    "minChargingRate": 1400.5,
}


def test_a_profile_in_16() -> None:
    payload = v16.profile_out(PROFILE)
    assert payload == {
        "chargingProfileId": 21,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily",
        "validFrom": "2026-01-01T00:00:00.000Z",
        "validTo": "2026-01-31T00:00:00.000Z",
        "chargingSchedule": SCHEDULE_16,
    }
    check(
        ProtocolVersion.OCPP16,
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": payload},
        response=False,
    )
    # 1.6 has no schedule ids: the rest comes back as it was.
    back = v16.profile_in(payload)
    assert back == replace(PROFILE, schedules=(replace(PROFILE.schedule, id=None),))


def test_a_profile_in_201() -> None:
    payload = v201.profile_out(PROFILE)
    assert payload == {
        "id": 21,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily",
        "validFrom": "2026-01-01T00:00:00.000Z",
        "validTo": "2026-01-31T00:00:00.000Z",
        "chargingSchedule": [{"id": 1, **SCHEDULE_16}],
    }
    check(
        ProtocolVersion.OCPP201,
        "SetChargingProfile",
        {"evseId": 1, "chargingProfile": payload},
        response=False,
    )
    assert v201.profile_in(payload) == PROFILE


@pytest.mark.parametrize(
    ("purpose", "in_16", "in_201"),
    [
        (ProfilePurpose.STATION_MAX, "ChargePointMaxProfile", "ChargingStationMaxProfile"),
        (ProfilePurpose.TX_DEFAULT, "TxDefaultProfile", "TxDefaultProfile"),
        (ProfilePurpose.TX, "TxProfile", "TxProfile"),
    ],
)
def test_purposes_have_each_versions_name(purpose: ProfilePurpose, in_16: str, in_201: str) -> None:
    profile = replace(PROFILE, purpose=purpose)
    assert v16.profile_out(profile)["chargingProfilePurpose"] == in_16
    assert v201.profile_out(profile)["chargingProfilePurpose"] == in_201
    assert v16.profile_in(v16.profile_out(profile)).purpose is purpose
    assert v201.profile_in(v201.profile_out(profile)).purpose is purpose


def test_transaction_ids_are_numbers_in_16_and_text_in_201() -> None:
    profile = replace(PROFILE, purpose=ProfilePurpose.TX, transaction_id="77")
    assert v16.profile_out(profile)["transactionId"] == 77
    assert v16.profile_in(v16.profile_out(profile)).transaction_id == "77"
    assert v201.profile_out(profile)["transactionId"] == "77"


def refusal(build: Any, profile: ChargingProfile) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        build(profile)
    return raised.value


def test_what_16_cannot_express_is_refused_naming_the_field() -> None:
    two = replace(PROFILE, schedules=(PROFILE.schedule, replace(PROFILE.schedule, id=2)))
    assert refusal(v16.profile_out, two).field == "charging_profile.schedules"
    phased = replace(
        PROFILE,
        schedules=(
            replace(
                PROFILE.schedule,
                periods=(ChargingSchedulePeriod(0, 16.0, number_phases=1, phase_to_use=2),),
            ),
        ),
    )
    error = refusal(v16.profile_out, phased)
    assert error.field == "charging_profile.schedules.0.periods.0.phase_to_use"
    assert "1.6" in error.message
    external = replace(PROFILE, purpose=ProfilePurpose.EXTERNAL_CONSTRAINTS)
    assert refusal(v16.profile_out, external).field == "charging_profile.purpose"
    named = replace(PROFILE, purpose=ProfilePurpose.TX, transaction_id="T-9")
    assert refusal(v16.profile_out, named).field == "charging_profile.transaction_id"
    # The same profiles are fine for 2.0.1.
    for profile in (two, phased, named):
        v201.profile_out(profile)


def test_what_201_cannot_express_is_refused_naming_the_field() -> None:
    unnamed = replace(PROFILE, schedules=(replace(PROFILE.schedule, id=None),))
    error = refusal(v201.profile_out, unnamed)
    assert error.field == "charging_profile.schedules.0.id"
    assert "2.0.1" in error.message
    v16.profile_out(unnamed)  # 1.6 needs none
    long_id = replace(PROFILE, purpose=ProfilePurpose.TX, transaction_id="T" * 37)
    assert refusal(v201.profile_out, long_id).field == "charging_profile.transaction_id"


def test_composite_schedules_read_the_same_from_both_versions() -> None:
    expected = CompositeSchedule(
        evse_id=1,
        start=START,
        duration=3600,
        rate_unit=RateUnit.AMPERES,
        periods=(
            ChargingSchedulePeriod(0, 16.0, number_phases=3),
            ChargingSchedulePeriod(900, 8.0),
        ),
    )
    periods = [
        {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
        {"startPeriod": 900, "limit": 8.0},
    ]
    answer_16 = {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": "2026-01-01T00:00:00Z",
        "chargingSchedule": {
            "duration": 3600,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": periods,
        },
    }
    answer_201 = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 3600,
            "scheduleStart": "2026-01-01T00:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": periods,
        },
    }
    check(ProtocolVersion.OCPP16, "GetCompositeSchedule", answer_16, response=True)
    check(ProtocolVersion.OCPP201, "GetCompositeSchedule", answer_201, response=True)
    assert v16.composite_in(answer_16) == expected
    assert v201.composite_in(answer_201) == expected
    assert v16.composite_in({"status": "Rejected"}) is None
    assert v201.composite_in({"status": "Rejected"}) is None


def test_reported_profiles_read_as_neutral_ones() -> None:
    external = replace(
        PROFILE,
        id=3,
        purpose=ProfilePurpose.EXTERNAL_CONSTRAINTS,
        kind=ProfileKind.ABSOLUTE,
        recurrency=None,
    )
    report = {
        "requestId": 5,
        "chargingLimitSource": "EMS",
        "evseId": 0,
        "tbc": False,
        "chargingProfile": [v201.profile_out(PROFILE), v201.profile_out(external)],
    }
    check(ProtocolVersion.OCPP201, "ReportChargingProfiles", report, response=False)
    assert v201.reported_profiles(report) == [PROFILE, external]


# The commands -----------------------------------------------------------------------------

COMMANDS: list[tuple[CommandParams, dict[str, Any], dict[str, Any]]] = [
    (
        SetChargingProfile(evse_id=2, charging_profile=PROFILE),
        {"connectorId": 2, "csChargingProfiles": v16.profile_out(PROFILE)},
        {"evseId": 2, "chargingProfile": v201.profile_out(PROFILE)},
    ),
    (
        RemoteStart(
            id_tag="CARD-1",
            evse_id=1,
            id_token_type="ISO14443",
            charging_profile=replace(PROFILE, purpose=ProfilePurpose.TX),
        ),
        {
            "idTag": "CARD-1",
            "connectorId": 1,
            "chargingProfile": {**v16.profile_out(PROFILE), "chargingProfilePurpose": "TxProfile"},
        },
        {
            "idToken": {"idToken": "CARD-1", "type": "ISO14443"},
            "remoteStartId": 9,
            "evseId": 1,
            "chargingProfile": {**v201.profile_out(PROFILE), "chargingProfilePurpose": "TxProfile"},
        },
    ),
    (
        ClearChargingProfile(evse_id=0, purpose=ProfilePurpose.STATION_MAX, stack_level=2),
        {"connectorId": 0, "chargingProfilePurpose": "ChargePointMaxProfile", "stackLevel": 2},
        {
            "chargingProfileCriteria": {
                "evseId": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "stackLevel": 2,
            }
        },
    ),
    (ClearChargingProfile(profile_id=21), {"id": 21}, {"chargingProfileId": 21}),
    (
        GetCompositeSchedule(evse_id=1, duration=600, rate_unit=RateUnit.WATTS),
        {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"},
        {"evseId": 1, "duration": 600, "chargingRateUnit": "W"},
    ),
]


@pytest.mark.parametrize(("params", "in_16", "in_201"), COMMANDS, ids=lambda v: str(v)[:30])
def test_the_smart_charging_commands_in_each_version(
    params: CommandParams, in_16: dict[str, Any], in_201: dict[str, Any]
) -> None:
    for version, expected in ((ProtocolVersion.OCPP16, in_16), (ProtocolVersion.OCPP201, in_201)):
        translation = TABLES[version][params.operation]
        payload = translation.build(params, CommandId(9))
        assert payload == expected
        check(version, translation.action, payload, response=False)


def test_get_charging_profiles_names_the_command_for_the_report() -> None:
    translation = TABLES[ProtocolVersion.OCPP201][GetChargingProfiles.operation]
    params = GetChargingProfiles(evse_id=1, purpose=ProfilePurpose.TX_DEFAULT, profile_ids=(4, 5))
    assert translation.build(params, CommandId(12)) == {
        "requestId": 12,
        "evseId": 1,
        "chargingProfile": {
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileId": [4, 5],
        },
    }


def test_the_composite_schedule_answer_is_the_commands_neutral_result() -> None:
    params = GetCompositeSchedule(evse_id=1, duration=600)
    answer = {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 600,
            "scheduleStart": "2026-01-01T00:00:00Z",
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
        },
    }
    outcome = TABLES[ProtocolVersion.OCPP201][params.operation].outcome(params, answer)
    assert outcome.status is CommandStatus.ACCEPTED
    assert outcome.data == {
        "schedule": {
            "evse_id": 1,
            "start": "2026-01-01T00:00:00+00:00",
            "duration": 600,
            "rate_unit": "W",
            "periods": [{"start_period": 0, "limit": 11000.0}],
        }
    }
    refused = TABLES[ProtocolVersion.OCPP16][params.operation].outcome(
        params, {"status": "Rejected"}
    )
    assert refused.status is CommandStatus.REJECTED
    assert refused.data == {"schedule": None}


# Any valid profile ------------------------------------------------------------------------

limits = st.integers(min_value=0, max_value=10_000).map(lambda tenths: tenths / 10)


@st.composite
def profiles(draw: st.DrawFn) -> ChargingProfile:
    starts = sorted(draw(st.sets(st.integers(1, 86_400), max_size=4)))
    periods = tuple(
        ChargingSchedulePeriod(
            start, draw(limits), number_phases=draw(st.one_of(st.none(), st.sampled_from([1, 3])))
        )
        for start in [0, *starts]
    )
    kind = draw(st.sampled_from(list(ProfileKind)))
    purpose = draw(
        st.sampled_from([p for p in ProfilePurpose if p.value != "external_constraints"])
    )
    return ChargingProfile(
        id=draw(st.integers(0, 2**31 - 1)),
        stack_level=draw(st.integers(0, 99)),
        purpose=purpose,
        kind=kind,
        recurrency=draw(st.sampled_from(list(Recurrency)))
        if kind is ProfileKind.RECURRING
        else None,
        transaction_id=draw(st.one_of(st.none(), st.integers(1, 10**9).map(str)))
        if purpose is ProfilePurpose.TX
        else None,
        schedules=(
            ChargingSchedule(
                id=draw(st.integers(0, 1000)),
                start_schedule=None
                if kind is ProfileKind.RELATIVE
                else START + timedelta(seconds=draw(st.integers(0, 10**7))),
                duration=draw(st.one_of(st.none(), st.integers(1, 10**6))),
                rate_unit=draw(st.sampled_from(list(RateUnit))),
                periods=periods,
            ),
        ),
    )


@given(profiles())
def test_any_valid_profile_goes_to_either_version_and_comes_back(profile: ChargingProfile) -> None:
    check_profile(profile)
    payload_201 = v201.profile_out(profile)
    check(
        ProtocolVersion.OCPP201,
        "SetChargingProfile",
        {"evseId": 1, "chargingProfile": payload_201},
        response=False,
    )
    assert v201.profile_in(payload_201) == profile
    payload_16 = v16.profile_out(profile)
    check(
        ProtocolVersion.OCPP16,
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": payload_16},
        response=False,
    )
    assert v16.profile_in(payload_16) == replace(
        profile, schedules=(replace(profile.schedule, id=None),)
    )
