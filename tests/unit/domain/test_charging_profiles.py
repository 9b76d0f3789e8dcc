"""The rules every charging profile Kilowatt sends keeps, whatever the station's version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    Recurrency,
    check_profile,
)
from kilowatt.domain.errors import InvalidInput

START = datetime(2026, 1, 1, tzinfo=UTC)


def schedule(*periods: ChargingSchedulePeriod, **fields: object) -> ChargingSchedule:
    made = ChargingSchedule(
        id=1,
        start_schedule=START,
        rate_unit=RateUnit.AMPERES,
        periods=periods or (ChargingSchedulePeriod(0, 16.0), ChargingSchedulePeriod(3600, 8.5)),
    )
    return replace(made, **fields)  # type: ignore[arg-type]


def profile(**fields: object) -> ChargingProfile:
    made = ChargingProfile(
        id=5,
        stack_level=1,
        purpose=ProfilePurpose.TX_DEFAULT,
        kind=ProfileKind.ABSOLUTE,
        schedules=(schedule(),),
    )
    return replace(made, **fields)  # type: ignore[arg-type]


def refused(value: ChargingProfile) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        check_profile(value)
    return raised.value


def test_a_well_formed_profile_passes_and_its_first_schedule_is_at_hand() -> None:
    good = profile()
    check_profile(good)
    assert good.schedule is good.schedules[0]
    check_profile(
        profile(
            kind=ProfileKind.RECURRING,
            recurrency=Recurrency.DAILY,
            valid_from=START,
            valid_to=datetime(2026, 2, 1, tzinfo=UTC),
        )
    )
    check_profile(profile(kind=ProfileKind.RELATIVE, schedules=(schedule(start_schedule=None),)))
    check_profile(profile(purpose=ProfilePurpose.TX, transaction_id="T-1"))


@pytest.mark.parametrize(
    ("periods", "field", "words"),
    [
        ((), "charging_profile.schedules.0.periods", "at least one"),
        (
            (ChargingSchedulePeriod(60, 16.0),),
            "charging_profile.schedules.0.periods.0.start_period",
            "starts at 0",
        ),
        (
            (ChargingSchedulePeriod(0, 16.0), ChargingSchedulePeriod(0, 8.0)),
            "charging_profile.schedules.0.periods.1.start_period",
            "after the one before",
        ),
        (
            (ChargingSchedulePeriod(0, 16.0), ChargingSchedulePeriod(900, -1.0)),
            "charging_profile.schedules.0.periods.1.limit",
            "0 or more",
        ),
        (
            (ChargingSchedulePeriod(0, 16.05),),
            "charging_profile.schedules.0.periods.0.limit",
            "one decimal",
        ),
        (
            (ChargingSchedulePeriod(0, 16.0, number_phases=4),),
            "charging_profile.schedules.0.periods.0.number_phases",
            "phases",
        ),
        (
            (ChargingSchedulePeriod(0, 16.0, number_phases=3, phase_to_use=2),),
            "charging_profile.schedules.0.periods.0.phase_to_use",
            "one phase",
        ),
    ],
)
def test_periods_start_at_0_go_forward_and_limit_sensibly(
    periods: tuple[ChargingSchedulePeriod, ...], field: str, words: str
) -> None:
    error = refused(profile(schedules=(schedule(periods=periods),)))
    assert error.field == field
    assert words in error.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"stack_level": -1}, "charging_profile.stack_level"),
        ({"id": -3}, "charging_profile.id"),
        ({"purpose": ProfilePurpose.EXTERNAL_CONSTRAINTS}, "charging_profile.purpose"),
        ({"kind": ProfileKind.RECURRING}, "charging_profile.recurrency"),
        ({"recurrency": Recurrency.WEEKLY}, "charging_profile.recurrency"),
        ({"transaction_id": "T-1"}, "charging_profile.transaction_id"),
        ({"valid_from": START, "valid_to": START}, "charging_profile.valid_to"),
        ({"schedules": ()}, "charging_profile.schedules"),
        ({"schedules": (schedule(),) * 4}, "charging_profile.schedules"),
        ({"schedules": (schedule(), schedule())}, "charging_profile.schedules"),
        (
            {"kind": ProfileKind.RELATIVE},
            "charging_profile.schedules.0.start_schedule",
        ),
        (
            {
                "kind": ProfileKind.RECURRING,
                "recurrency": Recurrency.DAILY,
                "schedules": (schedule(start_schedule=None),),
            },
            "charging_profile.schedules.0.start_schedule",
        ),
        ({"schedules": (schedule(duration=0),)}, "charging_profile.schedules.0.duration"),
        (
            {"schedules": (schedule(min_charging_rate=1.25),)},
            "charging_profile.schedules.0.min_charging_rate",
        ),
    ],
)
def test_what_a_profile_may_not_be_is_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    assert refused(profile(**fields)).field == field


def test_the_field_is_named_from_where_the_profile_sits() -> None:
    error = None
    with pytest.raises(InvalidInput) as raised:
        check_profile(profile(stack_level=-1), "body.profile")
    error = raised.value
    assert error.field == "body.profile.stack_level"
