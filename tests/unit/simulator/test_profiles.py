"""What a simulated station lets an EVSE draw from the profiles it holds
(simulator/profiles.py): a transaction's own profile over the default, an EVSE's over the
station's, the higher stack level first, a profile that says nothing at the moment giving way
to the next, amperes per phase times phases times 230 V, and the station's maximum on top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kilowatt.simulator.profiles import ProfileSim, SmartCharging

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def profile(
    id: int,
    purpose: str,
    level: int,
    limit: float,
    *,
    evse: int = 0,
    unit: str = "A",
    phases: int | None = None,
    transaction: str | None = None,
    duration: int | None = None,
) -> ProfileSim:
    period: dict[str, Any] = {"start_period": 0, "limit": limit}
    if phases is not None:
        period["number_phases"] = phases
    schedule: dict[str, Any] = {"charging_rate_unit": unit, "charging_schedule_period": [period]}
    if duration is not None:
        schedule["duration"] = duration
    data: dict[str, Any] = {
        "charging_profile_id": id,
        "charging_profile_purpose": purpose,
        "stack_level": level,
        "charging_profile_kind": "Relative",
        "transaction_id": transaction,
    }
    return ProfileSim.of(evse, data, schedule)


def test_the_default_limits_a_new_session_and_its_own_profile_overrides_it() -> None:
    station = SmartCharging(22_000)
    assert station.limit_w(1, NOW, NOW, "7") == 22_000
    station.add(profile(7300, "TxDefaultProfile", 0, 8.0))
    assert station.limit_w(1, NOW, NOW, "7") == 8.0 * 3 * 230
    station.add(profile(7201, "TxProfile", 2, 16.0, evse=1, phases=3, transaction="7"))
    assert station.limit_w(1, NOW, NOW, "7") == 16.0 * 3 * 230
    # Another transaction (a session started later) is under the default only.
    assert station.limit_w(1, NOW, NOW, "8") == 8.0 * 3 * 230
    # More than the station's maximum is never drawn; 0 A stops it.
    station.add(profile(7201, "TxProfile", 2, 63.0, evse=1, phases=3, transaction="7"))
    assert station.limit_w(1, NOW, NOW, "7") == 22_000
    station.add(profile(7201, "TxProfile", 2, 0.0, evse=1, phases=3, transaction="7"))
    assert station.limit_w(1, NOW, NOW, "7") == 0


def test_stack_levels_evses_units_and_a_profile_that_has_run_out() -> None:
    station = SmartCharging(50_000)
    station.add(profile(1, "TxDefaultProfile", 0, 8.0))
    station.add(profile(2, "TxDefaultProfile", 1, 10.0, evse=0, unit="W"))
    assert station.limit_w(1, NOW, NOW, "1") == 10.0  # the higher stack level, in W
    station.add(profile(3, "TxDefaultProfile", 0, 20.0, evse=1, phases=1))
    assert station.limit_w(1, NOW, NOW, "1") == 20.0 * 230  # the EVSE's own over EVSE 0
    assert station.limit_w(2, NOW, NOW, "1") == 10.0
    station.add(profile(4, "TxProfile", 2, 6.0, evse=2, transaction="1", duration=60))
    assert station.limit_w(2, NOW, NOW, "1") == 6.0 * 3 * 230
    # Its schedule over, the session falls back to the default below it.
    assert station.limit_w(2, NOW + timedelta(seconds=61), NOW, "1") == 10.0
    assert station.clear(purpose="TxDefaultProfile") == 3
    assert station.limit_w(1, NOW, NOW, "1") == 50_000
