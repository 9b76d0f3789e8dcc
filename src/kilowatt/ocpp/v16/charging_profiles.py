"""Charging profiles as OCPP 1.6 has them (SetChargingProfile, RemoteStartTransaction,
GetCompositeSchedule), to and from the neutral ones of domain/charging_profiles.py.

1.6 has one schedule per profile, no schedule ids, no phase to use, no external constraints,
and numbers its transactions: a neutral profile that needs more is refused, naming the field."""

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

VERSION = "1.6"
PURPOSES = {
    ProfilePurpose.STATION_MAX: "ChargePointMaxProfile",
    ProfilePurpose.TX_DEFAULT: "TxDefaultProfile",
    ProfilePurpose.TX: "TxProfile",
}
NEUTRAL_PURPOSES = {value: key for key, value in PURPOSES.items()}


def purpose_out(purpose: ProfilePurpose, field: str) -> str:
    try:
        return PURPOSES[purpose]
    except KeyError:
        raise InvalidInput(field, f"OCPP {VERSION} has no {purpose.value} profiles") from None


def schedule_out(schedule: ChargingSchedule, field: str) -> Payload:
    return optional(
        {
            "chargingRateUnit": schedule.rate_unit.value,
            "chargingSchedulePeriod": periods_out(
                schedule.periods, f"{field}.periods", phase_to_use=False, version=VERSION
            ),
        },
        duration=schedule.duration,
        startSchedule=when(schedule.start_schedule),
        minChargingRate=schedule.min_charging_rate,
    )


def schedule_in(payload: Payload) -> ChargingSchedule:
    return ChargingSchedule(
        rate_unit=rate_unit(payload["chargingRateUnit"]),
        periods=periods_in(payload["chargingSchedulePeriod"]),
        start_schedule=moment(payload.get("startSchedule")),
        duration=payload.get("duration"),
        min_charging_rate=payload.get("minChargingRate"),
    )


def profile_out(profile: ChargingProfile, field: str = "charging_profile") -> Payload:
    """The csChargingProfiles of SetChargingProfile, the chargingProfile of
    RemoteStartTransaction."""
    if len(profile.schedules) != 1:
        raise InvalidInput(f"{field}.schedules", f"an OCPP {VERSION} profile has one schedule")
    transaction_id: int | None = None
    if profile.transaction_id is not None:
        if not profile.transaction_id.isdigit():
            raise InvalidInput(
                f"{field}.transaction_id", f"an OCPP {VERSION} transaction id is a number"
            )
        transaction_id = int(profile.transaction_id)
    return optional(
        {
            "chargingProfileId": profile.id,
            "stackLevel": profile.stack_level,
            "chargingProfilePurpose": purpose_out(profile.purpose, f"{field}.purpose"),
            "chargingProfileKind": KINDS[profile.kind],
            "chargingSchedule": schedule_out(profile.schedule, f"{field}.schedules.0"),
        },
        transactionId=transaction_id,
        recurrencyKind=None if profile.recurrency is None else RECURRENCIES[profile.recurrency],
        validFrom=when(profile.valid_from),
        validTo=when(profile.valid_to),
    )


def profile_in(payload: Payload) -> ChargingProfile:
    recurrency = payload.get("recurrencyKind")
    transaction_id = payload.get("transactionId")
    return ChargingProfile(
        id=int(payload["chargingProfileId"]),
        stack_level=int(payload["stackLevel"]),
        purpose=NEUTRAL_PURPOSES[payload["chargingProfilePurpose"]],
        kind=NEUTRAL_KINDS[payload["chargingProfileKind"]],
        schedules=(schedule_in(payload["chargingSchedule"]),),
        recurrency=None if recurrency is None else NEUTRAL_RECURRENCIES[recurrency],
        valid_from=moment(payload.get("validFrom")),
        valid_to=moment(payload.get("validTo")),
        transaction_id=None if transaction_id is None else str(transaction_id),
    )


def composite_in(answer: Payload) -> CompositeSchedule | None:
    """The schedule of a GetCompositeSchedule answer (None when it has none)."""
    schedule = answer.get("chargingSchedule")
    if not schedule:
        return None
    read = schedule_in(schedule)
    return CompositeSchedule(
        evse_id=int(answer.get("connectorId") or 0),
        rate_unit=read.rate_unit,
        periods=read.periods,
        start=moment(answer.get("scheduleStart")) or read.start_schedule,
        duration=read.duration,
        min_charging_rate=read.min_charging_rate,
    )


# The smart charging commands -------------------------------------------------------------


def _set(params: SetChargingProfile, command_id: CommandId) -> Payload:
    return {
        "connectorId": params.evse_id,
        "csChargingProfiles": profile_out(params.charging_profile),
    }


def _clear(params: ClearChargingProfile, command_id: CommandId) -> Payload:
    return optional(
        {},
        id=params.profile_id,
        connectorId=params.evse_id,
        chargingProfilePurpose=None
        if params.purpose is None
        else purpose_out(params.purpose, "purpose"),
        stackLevel=params.stack_level,
    )


def _composite(params: GetCompositeSchedule, command_id: CommandId) -> Payload:
    return optional(
        {"connectorId": params.evse_id, "duration": params.duration},
        chargingRateUnit=None if params.rate_unit is None else params.rate_unit.value,
    )


def _composite_read(params: GetCompositeSchedule, answer: Payload) -> Outcome:
    schedule = composite_in(answer)
    return by_status(answer, {"schedule": None if schedule is None else encode(schedule)})


COMMANDS: Mapping[Operation, Translation[Any]] = {
    Operation.SET_CHARGING_PROFILE: Translation("SetChargingProfile", _set),
    Operation.CLEAR_CHARGING_PROFILE: Translation("ClearChargingProfile", _clear),
    Operation.GET_COMPOSITE_SCHEDULE: Translation(
        "GetCompositeSchedule", _composite, _composite_read
    ),
}
