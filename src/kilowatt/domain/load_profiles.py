"""The charging profiles load management sends: one transaction profile per session, with its
limit in amperes per phase (AC) or watts (DC)."""

from __future__ import annotations

from kilowatt.domain.charging_profiles import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
)
from kilowatt.domain.loads import DEFAULT_MAX_CURRENT_A, LoadSettings

PROFILE_ID_BASE = 7200
"""Load management's transaction profiles use id PROFILE_ID_BASE + EVSE id (each replaces
the one before on its EVSE); the dashboard's power limits use 7100 + EVSE id
(domain/power_limits.py)."""
STACK_LEVEL = 2
MAX_CURRENT_A = 63.0


def tx_profile(
    evse_id: int,
    transaction_id: str | None,
    *,
    dc: bool,
    limit_a: float,
    phases: int,
    voltage: int,
) -> ChargingProfile:
    """The transaction profile that puts ``limit_a`` per phase on a session, from when it is
    received: in amperes with the number of phases for AC, in watts for DC.
    ``transaction_id`` as the station knows it (1.6: Kilowatt's; 2.0.1: the station's)."""
    profile_id = PROFILE_ID_BASE + evse_id
    return ChargingProfile(
        id=profile_id,
        stack_level=STACK_LEVEL,
        purpose=ProfilePurpose.TX,
        kind=ProfileKind.RELATIVE,
        transaction_id=transaction_id,
        schedules=(
            ChargingSchedule(
                id=profile_id,
                rate_unit=RateUnit.WATTS if dc else RateUnit.AMPERES,
                periods=(
                    ChargingSchedulePeriod(
                        start_period=0,
                        limit=float(round(limit_a * phases * voltage)) if dc else limit_a,
                        number_phases=None if dc else phases,
                    ),
                ),
            ),
        ),
    )


def max_current_a(max_power_w: int | None, phases: int, settings: LoadSettings) -> float:
    """A session's most, per phase, from its connector's rated power (32 A when unknown),
    never below the site's minimum nor above 63 A."""
    if not max_power_w:
        return DEFAULT_MAX_CURRENT_A
    amps = max_power_w / (phases * settings.voltage)
    return round(min(MAX_CURRENT_A, max(settings.min_current_a, amps)), 1)
