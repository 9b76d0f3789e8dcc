"""Charging profiles in the API: one shape whatever the station's OCPP version
(domain/charging_profiles.py); Kilowatt translates it for the station."""

from __future__ import annotations

from pydantic import Field

from kilowatt.api.schemas.common import MAX_INT, AwareDatetime, Positive, Schema
from kilowatt.domain.charging_profiles import (
    MAX_PERIODS,
    MAX_SCHEDULES,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    Recurrency,
)


class ChargingSchedulePeriod(Schema):
    start_period: int = Field(
        ge=0,
        le=MAX_INT,
        description="Seconds from the start of the schedule: the first period starts at 0, "
        "each later one after the one before it.",
    )
    limit: float = Field(
        ge=0, description="In the schedule's rate unit (A per phase, or W), one decimal at most."
    )
    number_phases: int | None = Field(default=None, ge=1, le=3)
    phase_to_use: int | None = Field(
        default=None,
        ge=1,
        le=3,
        description="OCPP 2.0.1 only, with number_phases 1: the phase an EVSE that can switch "
        "phases charges on.",
    )


class ChargingSchedule(Schema):
    id: int | None = Field(
        default=None,
        ge=0,
        le=MAX_INT,
        description="Required by OCPP 2.0.1 stations (unique within the profile); 1.6 has none.",
    )
    start_schedule: AwareDatetime | None = Field(
        default=None,
        description="When an absolute or recurring schedule starts; a relative one has none "
        "(it starts when charging starts).",
    )
    duration: Positive | None = Field(
        default=None, description="Seconds; without it the last period goes on."
    )
    rate_unit: RateUnit = Field(description="A (amperes per phase) or W (watts).")
    periods: list[ChargingSchedulePeriod] = Field(min_length=1, max_length=MAX_PERIODS)
    min_charging_rate: float | None = Field(default=None, ge=0)


class ChargingProfile(Schema):
    """A charging profile, the same for OCPP 1.6 and 2.0.1 stations. What the station's version
    cannot express is refused with a 422 naming the field (a 1.6 station takes one schedule,
    no schedule phase to use, and numeric transaction ids; a 2.0.1 station needs schedule ids)."""

    id: int = Field(ge=0, le=2**31 - 1, description="The profile's id on the station.")
    stack_level: int = Field(
        ge=0, le=2**31 - 1, description="Higher levels take precedence over lower ones."
    )
    purpose: ProfilePurpose = Field(
        description="station_max: the most the station (EVSE 0) or one EVSE may draw; "
        "tx_default: every transaction's unless it has its own; tx: one transaction's (the "
        "profile of a remote start, or naming transaction_id). external_constraints is only "
        "ever reported by stations."
    )
    kind: ProfileKind = Field(
        description="absolute: from start_schedule; recurring: daily or weekly from "
        "start_schedule; relative: from the start of charging."
    )
    recurrency: Recurrency | None = Field(
        default=None, description="Recurring profiles only: daily or weekly."
    )
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    transaction_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=36,
        description="tx profiles: the transaction as the station knows it (Kilowatt's id for "
        "OCPP 1.6, the station's own for 2.0.1).",
    )
    schedules: list[ChargingSchedule] = Field(
        min_length=1,
        max_length=MAX_SCHEDULES,
        description="One schedule (OCPP 2.0.1 stations take up to three).",
    )
