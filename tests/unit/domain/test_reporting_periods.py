"""Like-for-like periods: the earlier period ends at the same local time of day as now,
across daylight saving time changes, month ends and leap days; sessions running at that
moment count their share."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.reporting import Figures, Period, Span, local_midnight, periods
from kilowatt.domain.reporting_periods import (
    Crossing,
    same_time_on,
    share_before,
    stretch_bounds,
    stretch_figures,
    zone_bounds,
)

# Zones whose clocks jump by an hour, by half an hour (Lord Howe), at midnight (Santiago:
# some days have no 00:00), or never.
ZONES = [
    "Europe/Helsinki",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kathmandu",
    "UTC",
]
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))
clocks = st.times()
zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
)
MICROSECOND = timedelta(microseconds=1)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


@given(days, clocks, zones)
def test_same_time_on_is_the_first_instant_the_day_reaches_that_time(
    day: date, clock: time, name: str
) -> None:
    zone = ZoneInfo(name)
    wanted = datetime.combine(day, clock)
    instant = same_time_on(day, clock, zone)
    assert instant.tzinfo is UTC
    assert _wall(instant, zone) >= wanted
    assert _wall(instant - MICROSECOND, zone) < wanted
    # Within the day: from its local midnight to the next one.
    assert local_midnight(day, zone) <= instant <= local_midnight(day + timedelta(days=1), zone)


@given(days, clocks, zones)
def test_a_time_of_day_that_exists_is_met_exactly(day: date, clock: time, name: str) -> None:
    zone = ZoneInfo(name)
    wanted = datetime.combine(day, clock)
    back = wanted.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back == wanted:  # not skipped by the clocks jumping forward
        assert _wall(same_time_on(day, clock, zone), zone) == wanted


@given(days, clocks, clocks, zones)
def test_a_later_time_of_day_is_a_later_instant(
    day: date, one: time, other: time, name: str
) -> None:
    zone = ZoneInfo(name)
    early, late = min(one, other), max(one, other)
    assert same_time_on(day, early, zone) <= same_time_on(day, late, zone)


def test_when_the_clocks_jump_over_the_time_it_ends_at_the_jump() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    # 30 March 2025: 03:00 became 04:00 in Helsinki (01:00 UTC).
    assert same_time_on(date(2025, 3, 30), time(3, 30), helsinki) == datetime(
        2025, 3, 30, 1, 0, tzinfo=UTC
    )
    # 26 October 2025: 04:00 became 03:00; 03:30 came twice, the first time at 00:30 UTC.
    assert same_time_on(date(2025, 10, 26), time(3, 30), helsinki) == datetime(
        2025, 10, 26, 0, 30, tzinfo=UTC
    )


def test_yesterday_is_counted_until_the_same_time_of_day_across_a_clock_change() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    # 31 March 2025 08:00 in Helsinki (summer time); yesterday had only 23 hours.
    now = datetime(2025, 3, 31, 8, 0, tzinfo=helsinki)
    _, yesterday = periods(now.date())[Span.DAY]
    since, until = stretch_bounds(yesterday, now, helsinki)
    assert since == datetime(2025, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 in winter time
    assert until == datetime(2025, 3, 30, 5, 0, tzinfo=UTC)  # 08:00 in summer time
    assert until - since == timedelta(hours=7)


def test_last_month_and_last_year_end_on_the_same_day_at_the_same_time() -> None:
    helsinki = ZoneInfo("Europe/Helsinki")
    now = datetime(2024, 3, 31, 9, 15, tzinfo=helsinki)
    spans = periods(now.date())
    _, last_month = spans[Span.MONTH]
    since, until = stretch_bounds(last_month, now, helsinki)
    assert _wall(since, helsinki) == datetime(2024, 2, 1)
    assert _wall(until, helsinki) == datetime(2024, 2, 29, 9, 15)  # a leap year's last day
    _, last_year = spans[Span.YEAR]
    since, until = stretch_bounds(last_year, now, helsinki)
    assert _wall(since, helsinki) == datetime(2023, 1, 1)
    assert _wall(until, helsinki) == datetime(2023, 3, 31, 9, 15)


@given(instants, zones)
def test_every_earlier_stretch_ends_at_nows_local_time_of_day(now: datetime, name: str) -> None:
    zone = ZoneInfo(name)
    local = now.astimezone(zone)
    for span, (current, previous) in periods(local.date()).items():
        since, until = stretch_bounds(previous, now, zone)
        assert since == local_midnight(previous.first, zone)
        assert since <= until < now
        assert until == same_time_on(previous.last, local.time(), zone)
        # As long as the current period so far, give or take a clock change (and last year's
        # 29 February: 1 January to 1 March is a day longer in a leap year).
        so_far = now - local_midnight(current.first, zone)
        leap_day = timedelta(days=1) if span is Span.YEAR else timedelta(0)
        assert until - since <= so_far + timedelta(hours=1) + leap_day


def test_each_site_is_cut_at_its_own_local_time_of_day() -> None:
    now = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki, 07:00 in London
    bounds = zone_bounds(
        Period(date(2025, 6, 9), date(2025, 6, 9)), now, ["Europe/Helsinki", "Europe/London"]
    )
    assert bounds["Europe/Helsinki"][1] == datetime(2025, 6, 9, 6, 0, tzinfo=UTC)
    assert bounds["Europe/London"][1] == datetime(2025, 6, 9, 6, 0, tzinfo=UTC)
    assert bounds["Europe/Helsinki"][0] == datetime(2025, 6, 8, 21, 0, tzinfo=UTC)
    assert bounds["Europe/London"][0] == datetime(2025, 6, 8, 23, 0, tzinfo=UTC)


T0 = datetime(2025, 6, 9, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_session_running_at_the_cut_off_counts_its_share() -> None:
    ended_later = Crossing("UTC", T0, T0 + 4 * HOUR, 20_000)
    assert share_before(ended_later, T0 + HOUR) == Figures(energy_wh=5_000, charging_seconds=3600)
    running = Crossing("UTC", T0, None, 9_000, measured_at=T0 + 3 * HOUR)
    assert share_before(running, T0 + HOUR) == Figures(energy_wh=3_000, charging_seconds=3600)
    # Its energy so far was read before the cut-off: all of it came before.
    assert share_before(running, T0 + 5 * HOUR) == Figures(
        energy_wh=9_000, charging_seconds=5 * 3600
    )
    unknown = Crossing("UTC", T0, T0 + 2 * HOUR, None)
    assert share_before(unknown, T0 + HOUR) == Figures(charging_seconds=3600)
    assert share_before(ended_later, T0) == Figures()


@given(
    st.integers(min_value=0, max_value=10_000_000),
    st.integers(min_value=1, max_value=10 * 86_400),
    st.integers(min_value=0, max_value=10 * 86_400),
    st.integers(min_value=0, max_value=10 * 86_400),
)
def test_the_share_grows_with_the_cut_off_and_never_exceeds_the_whole(
    energy: int, length: int, a: int, b: int
) -> None:
    session = Crossing("UTC", T0, T0 + timedelta(seconds=length), energy)
    early = share_before(session, T0 + timedelta(seconds=min(a, b)))
    late = share_before(session, T0 + timedelta(seconds=max(a, b)))
    assert 0 <= early.energy_wh <= late.energy_wh <= energy
    assert 0 <= early.charging_seconds <= late.charging_seconds


def test_a_stretch_adds_the_shares_of_the_sessions_of_the_zones_it_covers() -> None:
    bounds = {"UTC": (T0 - HOUR, T0 + HOUR), "Europe/Helsinki": (T0 - HOUR, T0 + 2 * HOUR)}
    crossing = [
        Crossing("UTC", T0, T0 + 2 * HOUR, 2_000),  # half before its cut-off
        Crossing("Europe/Helsinki", T0, T0 + 4 * HOUR, 4_000),  # half before its own
        Crossing("Asia/Tokyo", T0, T0 + 2 * HOUR, 8_000),  # a zone not read: nothing
    ]
    ended = Figures(sessions=3, energy_wh=100, charging_seconds=10)
    assert stretch_figures(ended, crossing, bounds) == Figures(
        sessions=3, energy_wh=3_100, charging_seconds=10 + 3 * 3600
    )


@pytest.mark.parametrize("name", ZONES)
def test_stretch_bounds_of_a_leap_day(name: str) -> None:
    zone = ZoneInfo(name)
    now = datetime(2028, 2, 29, 12, 0, tzinfo=zone)
    _, last_year = periods(now.date())[Span.YEAR]
    assert last_year.last == date(2027, 2, 28)
    _, until = stretch_bounds(last_year, now, zone)
    assert _wall(until, zone) == datetime(2027, 2, 28, 12, 0)
