"""Charging profiles as OCPP 2.0.1 has them (SetChargingProfile, RequestStartTransaction,
GetCompositeSchedule, ReportChargingProfiles), to and from the neutral ones of
domain/charging_profiles.py.

2.0.1 names every schedule (a neutral schedule without an id is refused, naming the field) and
takes transaction ids of 36 characters at most. Sales tariffs are not supported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    CompositeSchedule,
    ProfilePurpose,
)
from kilowatt.domain.codec import encode
from kilowatt.domain.command_params import (
    ClearChargingProfile,
    GetChargingProfiles,
    GetCompositeSchedule,
    SetChargingProfile,
)
from kilowatt.domain.commands import CommandId, Operation, Outcome
from kilowatt.domain.errors import InvalidInput
from kilowatt.ocpp.charging_profiles import (
    KINDS,
    NEUTRAL_KINDS,
    NEUTRAL_RECURRENCIES,
    RECURRENCIES,
    moment,
    periods_in,
    periods_out,
    rate_unit,
    when,
)
from kilowatt.ocpp.commands import Payload, Translation, by_status, optional

VERSION = "2.0.1"
TRANSACTION_ID_LENGTH = 36
PURPOSES = {
    ProfilePurpose.STATION_MAX: "ChargingStationMaxProfile",
    ProfilePurpose.TX_DEFAULT: "TxDefaultProfile",
    ProfilePurpose.TX: "TxProfile",
    ProfilePurpose.EXTERNAL_CONSTRAINTS: "ChargingStationExternalConstraints",
}
NEUTRAL_PURPOSES = {value: key for key, value in PURPOSES.items()}


def purpose_out(purpose: ProfilePurpose) -> str:
    return PURPOSES[purpose]


def schedule_out(schedule: ChargingSchedule, field: str) -> Payload:
    if schedule.id is None:
        raise InvalidInput(f"{field}.id", f"an OCPP {VERSION} schedule needs an id")
    return optional(
        {
            "id": schedule.id,
            "chargingRateUnit": schedule.rate_unit.value,
            "chargingSchedulePeriod": periods_out(
                schedule.periods, f"{field}.periods", phase_to_use=True, version=VERSION
            ),
        },
        startSchedule=when(schedule.start_schedule),
        duration=schedule.duration,
        minChargingRate=schedule.min_charging_rate,
    )


def schedule_in(payload: Payload) -> ChargingSchedule:
    return ChargingSchedule(
        id=payload.get("id"),
        rate_unit=rate_unit(payload["chargingRateUnit"]),
        periods=periods_in(payload["chargingSchedulePeriod"]),
        start_schedule=moment(payload.get("startSchedule")),
        duration=payload.get("duration"),
        min_charging_rate=payload.get("minChargingRate"),
    )


def profile_out(profile: ChargingProfile, field: str = "charging_profile") -> Payload:
    """The chargingProfile of SetChargingProfile and RequestStartTransaction."""
    if profile.transaction_id is not None and len(profile.transaction_id) > TRANSACTION_ID_LENGTH:
        raise InvalidInput(
            f"{field}.transaction_id",
            f"an OCPP {VERSION} transaction id has {TRANSACTION_ID_LENGTH} characters at most",
        )
    return optional(
        {
            "id": profile.id,
            "stackLevel": profile.stack_level,
            "chargingProfilePurpose": purpose_out(profile.purpose),
            "chargingProfileKind": KINDS[profile.kind],
            "chargingSchedule": [
                schedule_out(schedule, f"{field}.schedules.{index}")
                for index, schedule in enumerate(profile.schedules)
            ],
        },
        recurrencyKind=None if profile.recurrency is None else RECURRENCIES[profile.recurrency],
        validFrom=when(profile.valid_from),
        validTo=when(profile.valid_to),
        transactionId=profile.transaction_id,
    )


def profile_in(payload: Payload) -> ChargingProfile:
    recurrency = payload.get("recurrencyKind")
    return ChargingProfile(
        id=int(payload["id"]),
        stack_level=int(payload["stackLevel"]),
        purpose=NEUTRAL_PURPOSES[payload["chargingProfilePurpose"]],
        kind=NEUTRAL_KINDS[payload["chargingProfileKind"]],
        schedules=tuple(schedule_in(item) for item in payload["chargingSchedule"]),
        recurrency=None if recurrency is None else NEUTRAL_RECURRENCIES[recurrency],
        valid_from=moment(payload.get("validFrom")),
        valid_to=moment(payload.get("validTo")),
        transaction_id=payload.get("transactionId"),
    )


def reported_profiles(report: Payload) -> list[ChargingProfile]:
    """The profiles of a ReportChargingProfiles (the station's answer, in parts, to
    GetChargingProfiles)."""
    return [profile_in(item) for item in report.get("chargingProfile") or []]


def composite_in(answer: Payload) -> CompositeSchedule | None:
    """The schedule of a GetCompositeSchedule answer (None when it has none)."""
    schedule = answer.get("schedule")
    if not schedule:
        return None
    return CompositeSchedule(
        evse_id=int(schedule.get("evseId") or 0),
        rate_unit=rate_unit(schedule["chargingRateUnit"]),
        periods=periods_in(schedule["chargingSchedulePeriod"]),
        start=moment(schedule.get("scheduleStart")),
        duration=schedule.get("duration"),
    )


# The smart charging commands -------------------------------------------------------------


def _set(params: SetChargingProfile, command_id: CommandId) -> Payload:
    return {"evseId": params.evse_id, "chargingProfile": profile_out(params.charging_profile)}


def _clear(params: ClearChargingProfile, command_id: CommandId) -> Payload:
    criteria = optional(
        {},
        evseId=params.evse_id,
        chargingProfilePurpose=None if params.purpose is None else purpose_out(params.purpose),
        stackLevel=params.stack_level,
    )
    return optional(
        {}, chargingProfileId=params.profile_id, chargingProfileCriteria=criteria or None
    )


def _composite(params: GetCompositeSchedule, command_id: CommandId) -> Payload:
    return optional(
        {"evseId": params.evse_id, "duration": params.duration},
        chargingRateUnit=None if params.rate_unit is None else params.rate_unit.value,
    )


def _composite_read(params: GetCompositeSchedule, answer: Payload) -> Outcome:
    schedule = composite_in(answer)
    return by_status(answer, {"schedule": None if schedule is None else encode(schedule)})


def _get_profiles(params: GetChargingProfiles, command_id: CommandId) -> Payload:
    """The profiles come later, in ReportChargingProfiles naming the command (requestId)."""
    criteria = optional(
        {},
        chargingProfilePurpose=None if params.purpose is None else purpose_out(params.purpose),
        stackLevel=params.stack_level,
        chargingProfileId=None if params.profile_ids is None else list(params.profile_ids),
    )
    return optional({"requestId": command_id, "chargingProfile": criteria}, evseId=params.evse_id)


COMMANDS: Mapping[Operation, Translation[Any]] = {
    Operation.SET_CHARGING_PROFILE: Translation("SetChargingProfile", _set),
    Operation.CLEAR_CHARGING_PROFILE: Translation("ClearChargingProfile", _clear),
    Operation.GET_COMPOSITE_SCHEDULE: Translation(
        "GetCompositeSchedule", _composite, _composite_read
    ),
    Operation.GET_CHARGING_PROFILES: Translation("GetChargingProfiles", _get_profiles),
}
