"""The failsafe default profile and a station's refusal flag (domain/load_failsafe.py): what
counts as a refusal, when a flagged station is left alone and when it is tried again, and the
failsafe current's bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.charging_profiles import ProfilePurpose, check_profile
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_failsafe import (
    FAILSAFE_PROFILE_ID,
    RETRY_AFTER,
    StationProfiles,
    believed_draw,
    failsafe_limit,
    failsafe_profile,
    is_failsafe,
    refusal,
)
from kilowatt.domain.load_profiles import STACK_LEVEL, tx_profile
from kilowatt.domain.loads import LoadSettings
from kilowatt.domain.power_limits import LIMIT_STACK_LEVEL, limit_profile

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_failsafe_is_a_station_wide_default_below_limits_and_session_profiles() -> None:
    profile = failsafe_profile(6.0)
    check_profile(profile)
    assert profile.purpose is ProfilePurpose.TX_DEFAULT
    assert profile.transaction_id is None
    assert profile.stack_level < LIMIT_STACK_LEVEL < STACK_LEVEL
    assert limit_profile(1, 7000, NOW).id != FAILSAFE_PROFILE_ID
    session = tx_profile(1, "1", dc=False, limit_a=16, phases=3, voltage=230)
    assert (is_failsafe(profile), is_failsafe(session)) == (True, False)
    assert failsafe_limit(profile) == 6.0


@pytest.mark.parametrize(
    ("status", "response", "gone", "expected"),
    [
        ("rejected", {"status": "Rejected"}, False, "Rejected"),
        (
            "rejected",
            {"status": "Rejected", "statusInfo": {"reasonCode": "NotSupported"}},
            False,
            "Rejected (NotSupported)",
        ),
        ("rejected", {"status": "Rejected", "statusInfo": {"reasonCode": "TxNotFound"}},
         False, None),
        ("rejected", {"status": "Rejected"}, True, None),
        ("failed", {"errorCode": "NotSupported"}, False, "CALLERROR NotSupported"),
        ("failed", None, False, None),
        ("timed_out", None, False, None),
        ("accepted", {"status": "Accepted"}, False, None),
    ],
)  # fmt: skip
def test_what_counts_as_a_refusal(
    status: str, response: dict[str, object] | None, gone: bool, expected: str | None
) -> None:
    assert refusal(status, response, "", session_gone=gone) == expected


def test_a_flagged_station_is_left_alone_an_hour_then_tried_and_cleared_by_an_acceptance() -> None:
    record = StationProfiles(station_id=1, updated_at=NOW)
    assert not record.blocks(NOW)
    assert record.refused("Rejected", NOW) is True
    assert record.blocks(NOW + RETRY_AFTER - timedelta(seconds=1))
    assert not record.blocks(NOW + RETRY_AFTER)
    # A second refusal while left alone is no news; one at the retry is.
    assert record.refused("Rejected", NOW + timedelta(minutes=1)) is False
    later = NOW + timedelta(minutes=1) + RETRY_AFTER
    assert record.refused("Rejected", later) is True
    record.retry_now(later + timedelta(seconds=5))
    assert not record.blocks(later + timedelta(seconds=5))
    assert record.refusing  # shown until it accepts
    record.accepted(later + timedelta(seconds=6), failsafe_a=8.0)
    assert (record.refusing, record.default_limit_a, record.retry_at) == (False, 8.0, None)


@given(st.floats(min_value=-10, max_value=100, allow_nan=False), st.sampled_from([6.0, 10.0]))
def test_the_failsafe_current_is_0_or_between_the_minimum_and_63_a(
    failsafe: float, minimum: float
) -> None:
    settings = LoadSettings(min_current_a=minimum, failsafe_current_a=failsafe)
    sound = (failsafe == 0 or minimum <= failsafe <= 63) and round(failsafe, 1) == failsafe
    if sound:
        settings.check()
    else:
        with pytest.raises(InvalidInput) as refused:
            settings.check()
        assert refused.value.field == "failsafe_current_a"


def test_a_car_held_by_the_failsafe_is_not_taken_to_draw_less() -> None:
    assert believed_draw(8.0, 32.0, 8.0) is None  # its profile not applied yet
    assert believed_draw(7.6, 16.0, 8.0) is None
    assert believed_draw(5.0, 32.0, 8.0) == 5.0  # it draws less indeed
    assert believed_draw(8.0, 8.5, 8.0) == 8.0  # limited at about the failsafe: believed
    assert believed_draw(8.0, 32.0, 0.0) == 8.0
    assert believed_draw(None, 32.0, 8.0) is None
    assert believed_draw(8.0, None, 8.0) == 8.0
