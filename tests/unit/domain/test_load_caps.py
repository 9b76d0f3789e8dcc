"""Time-of-use caps read on the site's wall clock: the days and hours of a window, overnight
windows belonging to the day they start, daylight saving changes (a skipped hour never in
force, a repeated one in force both times), the lowest cap winning; and their validation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_caps import LoadCap, cap_in_force, capacity_in_force, check_caps
from kilowatt.domain.tariffs import WEEKDAYS, Weekday

HELSINKI = ZoneInfo("Europe/Helsinki")
WEEKDAYS_ONLY = tuple(WEEKDAYS[:5])
PEAK = LoadCap(WEEKDAYS_ONLY, time(17), time(20), 60_000)


def at(text: str, zone: ZoneInfo = HELSINKI) -> datetime:
    """A wall-clock time of the site, as the UTC instant the clock of the service gives."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def test_a_weekday_window_holds_from_its_start_up_to_its_end() -> None:
    # 2026-12-07 is a Monday.
    assert cap_in_force([PEAK], at("2026-12-07T16:59"), HELSINKI) is None
    assert cap_in_force([PEAK], at("2026-12-07T17:00"), HELSINKI) == 60_000
    assert cap_in_force([PEAK], at("2026-12-07T19:59"), HELSINKI) == 60_000
    assert cap_in_force([PEAK], at("2026-12-07T20:00"), HELSINKI) is None
    assert cap_in_force([PEAK], at("2026-12-12T18:00"), HELSINKI) is None  # Saturday
    # The site's zone, not UTC: 17:30 in Helsinki is 15:30 UTC.
    assert cap_in_force([PEAK], datetime(2026, 12, 7, 15, 30, tzinfo=UTC), HELSINKI) == 60_000
    assert cap_in_force([PEAK], datetime(2026, 12, 7, 18, 30, tzinfo=UTC), HELSINKI) is None


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    friday_night = LoadCap((Weekday.FRIDAY,), time(22), time(6), 30_000)
    assert cap_in_force([friday_night], at("2026-12-11T21:59"), HELSINKI) is None
    assert cap_in_force([friday_night], at("2026-12-11T22:00"), HELSINKI) == 30_000
    assert cap_in_force([friday_night], at("2026-12-12T05:59"), HELSINKI) == 30_000  # Saturday
    assert cap_in_force([friday_night], at("2026-12-12T06:00"), HELSINKI) is None
    assert cap_in_force([friday_night], at("2026-12-12T23:00"), HELSINKI) is None
    assert cap_in_force([friday_night], at("2026-12-11T05:00"), HELSINKI) is None  # Thursday's


def test_a_start_equal_to_the_end_is_a_whole_day_from_then() -> None:
    whole = LoadCap((Weekday.MONDAY,), time(0), time(0), 50_000)
    assert cap_in_force([whole], at("2026-12-07T00:00"), HELSINKI) == 50_000
    assert cap_in_force([whole], at("2026-12-07T23:59"), HELSINKI) == 50_000
    assert cap_in_force([whole], at("2026-12-08T00:00"), HELSINKI) is None


def test_the_lowest_cap_in_force_wins_and_never_raises_the_capacity() -> None:
    evening = LoadCap(tuple(WEEKDAYS), time(18), time(19), 40_000)
    high = LoadCap(tuple(WEEKDAYS), time(0), time(0), 500_000)
    caps = [PEAK, evening, high]
    assert cap_in_force(caps, at("2026-12-07T17:30"), HELSINKI) == 60_000
    assert cap_in_force(caps, at("2026-12-07T18:30"), HELSINKI) == 40_000
    assert cap_in_force(caps, at("2026-12-07T21:00"), HELSINKI) == 500_000
    assert capacity_in_force(100_000, 500_000) == 100_000
    assert capacity_in_force(100_000, 40_000) == 40_000
    assert capacity_in_force(100_000, None) == 100_000


def test_the_hour_spring_skips_is_never_in_force_and_the_hours_around_it_are() -> None:
    # 2026-03-29, Sunday: Helsinki's clocks go from 03:00 to 04:00.
    skipped = LoadCap((Weekday.SUNDAY,), time(3), time(4), 10_000)
    around = LoadCap((Weekday.SUNDAY,), time(2), time(5), 20_000)
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    minutes = [start + timedelta(minutes=m) for m in range(6 * 60)]
    assert all(cap_in_force([skipped], m, HELSINKI) is None for m in minutes)
    held = [m for m in minutes if cap_in_force([around], m, HELSINKI) == 20_000]
    assert len(held) == 2 * 60  # 02:00 to 05:00 on the wall is two hours that night
    assert held[0] == at("2026-03-29T02:00")


def test_the_hour_autumn_repeats_is_in_force_both_times() -> None:
    # 2026-10-25, Sunday: Helsinki's clocks go from 04:00 back to 03:00.
    repeated = LoadCap((Weekday.SUNDAY,), time(3), time(4), 10_000)
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    minutes = [start + timedelta(minutes=m) for m in range(8 * 60)]
    held = [m for m in minutes if cap_in_force([repeated], m, HELSINKI) == 10_000]
    assert len(held) == 2 * 60
    assert held[0] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 03:00 EEST
    assert held[-1] == datetime(2026, 10, 25, 1, 59, tzinfo=UTC)  # 03:59 EET


times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
zones = st.sampled_from(
    [ZoneInfo(z) for z in ("Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "UTC")]
)


@given(days, times, times, instants, zones)
def test_a_window_over_some_days_and_the_same_over_the_others_hold_once_within_its_hours(
    chosen: list[Weekday], start: time, end: time, now: datetime, zone: ZoneInfo
) -> None:
    """Whatever the days, the hours, overnight or not and the zone: a cap over some days and
    the same over every other day are, together, in force exactly once when the site's clock
    is within the window's hours, and neither is otherwise."""
    others = tuple(d for d in WEEKDAYS if d not in chosen)
    mine = LoadCap(tuple(chosen), start, end, 1)
    theirs = LoadCap(others, start, end, 2)
    local = now.astimezone(zone).time().replace(tzinfo=None)
    within = start <= local < end if start < end else local >= start or local < end
    held = [cap for cap in (mine, theirs) if cap.days and cap_in_force([cap], now, zone)]
    assert len(held) == (1 if within else 0)


@given(st.lists(st.tuples(days, times, times, st.integers(1, 10**6)), max_size=5), instants)
def test_the_cap_in_force_is_the_lowest_of_those_in_force_alone(
    specs: list[tuple[list[Weekday], time, time, int]], now: datetime
) -> None:
    caps = [LoadCap(tuple(d), s, e, w) for d, s, e, w in specs]
    alone = [c.max_w for c in caps if cap_in_force([c], now, HELSINKI) is not None]
    assert cap_in_force(caps, now, HELSINKI) == (min(alone) if alone else None)


@pytest.mark.parametrize(
    ("cap", "field"),
    [
        (LoadCap((), time(17), time(20), 1), "caps.0.days"),
        (LoadCap((Weekday.MONDAY, Weekday.MONDAY), time(17), time(20), 1), "caps.0.days"),
        (LoadCap((Weekday.MONDAY,), time(17, 0, 30), time(20), 1), "caps.0.start"),
        (LoadCap((Weekday.MONDAY,), time(17), time(20, tzinfo=UTC), 1), "caps.0.end"),
        (LoadCap((Weekday.MONDAY,), time(17), time(20), 0), "caps.0.max_w"),
    ],
)
def test_a_bad_cap_is_refused_naming_its_field(cap: LoadCap, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_caps([cap])
    assert refused.value.field == field


def test_at_most_twenty_caps() -> None:
    check_caps([PEAK] * 20)
    with pytest.raises(InvalidInput) as refused:
        check_caps([PEAK] * 21)
    assert refused.value.field == "caps"
