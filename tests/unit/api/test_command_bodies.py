"""The API's command bodies map onto the operations' parameters: every field a body has is
one of the parameters' (a body field the parameters lack would be refused, not dropped)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from kilowatt.api.schemas.commands import BODIES, SetChargingProfile, params_of
from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
)
from kilowatt.domain.command_params import PARAMS
from kilowatt.domain.command_params import SetChargingProfile as SetParams
from kilowatt.domain.commands import Operation


@pytest.mark.parametrize("operation", list(BODIES), ids=lambda o: o.value)
def test_each_body_has_only_fields_of_its_parameters(operation: Operation) -> None:
    body = BODIES[operation]
    params = {field.name for field in dataclasses.fields(PARAMS[operation])}  # type: ignore[arg-type]
    assert set(body.model_fields) <= params


def test_every_operation_has_a_body() -> None:
    assert set(BODIES) == set(Operation)


def test_a_profile_body_becomes_the_neutral_profile() -> None:
    body = SetChargingProfile.model_validate(
        {
            "evse_id": 2,
            "charging_profile": {
                "id": 7,
                "stack_level": 1,
                "purpose": "station_max",
                "kind": "absolute",
                "schedules": [
                    {
                        "id": 1,
                        "start_schedule": "2026-01-01T01:00:00+01:00",
                        "rate_unit": "A",
                        "periods": [
                            {"start_period": 0, "limit": 32},
                            {"start_period": 600, "limit": 16.5, "number_phases": 1},
                        ],
                    }
                ],
            },
        }
    )
    assert params_of(Operation.SET_CHARGING_PROFILE, body) == SetParams(
        evse_id=2,
        charging_profile=ChargingProfile(
            id=7,
            stack_level=1,
            purpose=ProfilePurpose.STATION_MAX,
            kind=ProfileKind.ABSOLUTE,
            schedules=(
                ChargingSchedule(
                    id=1,
                    start_schedule=datetime(2026, 1, 1, tzinfo=UTC),
                    rate_unit=RateUnit.AMPERES,
                    periods=(
                        ChargingSchedulePeriod(0, 32.0),
                        ChargingSchedulePeriod(600, 16.5, number_phases=1),
                    ),
                ),
            ),
        ),
    )
