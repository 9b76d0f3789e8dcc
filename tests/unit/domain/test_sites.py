"""Sites: time zone and coordinate checks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.sites import check_coordinates, check_timezone


@pytest.mark.parametrize(
    "name",
    ["UTC", "Europe/Helsinki", "Europe/Stockholm", "Europe/Sofia", "Asia/Shanghai"],
)
def test_known_time_zones_are_returned(name: str) -> None:
    assert check_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "Mars/Olympus_Mons", "Europe/Helsinki ", "../etc/passwd", "/etc/localtime", "+02:00"],
)
def test_unknown_time_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_timezone(name)
    assert raised.value.field == "timezone"
    assert repr(name) in raised.value.message


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (None, None),
        (60.1699, 24.9384),
        (0.0, 0.0),
        (90.0, 180.0),
        (-90.0, -180.0),
    ],
)
def test_valid_coordinates(latitude: float | None, longitude: float | None) -> None:
    assert check_coordinates(latitude, longitude) is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (60.0, None, "latitude"),
        (None, 24.0, "latitude"),
        (90.0001, 0.0, "latitude"),
        (-90.0001, 0.0, "latitude"),
        (0.0, 180.0001, "longitude"),
        (0.0, -180.0001, "longitude"),
        (math.nan, 0.0, "latitude"),
        (0.0, math.nan, "longitude"),
        (math.inf, 0.0, "latitude"),
        (0.0, -math.inf, "longitude"),
        # latitude is checked first
        (91.0, 181.0, "latitude"),
    ],
)
def test_invalid_coordinates(latitude: float | None, longitude: float | None, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_coordinates(latitude, longitude)
    assert raised.value.field == field


@settings(deadline=None)
@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_coordinates_accepted_exactly_when_on_earth(latitude: float, longitude: float) -> None:
    on_earth = -90 <= latitude <= 90 and -180 <= longitude <= 180
    try:
        check_coordinates(latitude, longitude)
    except InvalidInput:
        assert not on_earth
    else:
        assert on_earth
