"""The demo's pure parts: how long its history reaches back, how its time is accelerated, and
what the simulated stations answer to the vendor's RCD self-test."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from kilowatt.demo import FAULT_CODES, FAULTY, fleet_config, history_days
from kilowatt.simulator import vendor
from kilowatt.simulator.faults import TROUBLES


def test_history_reaches_back_to_the_first_of_january_of_last_year() -> None:
    assert history_days(datetime(2026, 12, 7, 9, tzinfo=UTC)) == 365 + 340
    assert history_days(datetime(2026, 1, 1, 9, tzinfo=UTC)) == 365
    assert history_days(datetime(2025, 3, 1, tzinfo=UTC)) == 366 + 59  # 2024 was a leap year


def test_sessions_last_as_long_as_real_ones_unless_time_is_accelerated() -> None:
    real = fleet_config(8180, ["HEL-01", "HEL-03"], {}, 1.0)
    assert real.session_seconds == 90 * 60
    assert real.speed == 1.0
    assert real.versions == {"HEL-03": "2.0.1"}
    fast = fleet_config(8180, ["HEL-01"], {}, 60.0)
    assert fast.session_seconds == 90
    assert fast.speed == 60.0
    assert fast.meter_interval < real.meter_interval
    assert fast.faulty == frozenset({FAULTY})
    with pytest.raises(ValueError, match="speed"):
        fleet_config(8180, [], {}, 0)


def test_every_vendor_code_the_faulty_station_reports_is_in_the_dictionary() -> None:
    explained = {entry.code for entry in FAULT_CODES}
    assert {t.vendor_error_code for t in TROUBLES if t.vendor_error_code} <= explained


def test_the_rcd_self_test_is_answered_and_others_are_unknown() -> None:
    rng = random.Random(1)
    status, data = vendor.answer(
        vendor.VENDOR_ID, vendor.RCD_SELF_TEST, json.dumps({"trip_current_ma": 30}), rng
    )
    assert status == "Accepted"
    assert data is not None
    result = json.loads(data)
    assert result["result"] == "passed"
    assert 0 < result["trip_time_ms"] < result["limit_ms"]
    assert vendor.answer(vendor.VENDOR_ID, "Other", None, rng) == ("UnknownMessageId", None)
    assert vendor.answer("com.example", vendor.RCD_SELF_TEST, None, rng)[0] == "UnknownVendorId"
