"""Reporting's pure core: totals, changes, periods, local days and status counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.reporting import (
    Figures,
    Span,
    change,
    first_day_needed,
    local_day,
    monthly,
    offset_spans,
    per_day,
    periods,
    shift_months,
    status_counts,
    total,
)

small = st.integers(min_value=0, max_value=10_000)
figures = st.builds(Figures, small, small, small, small)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
ledger = st.dictionaries(days, figures, max_size=40)


def test_change_is_percent_of_the_earlier_figure() -> None:
    assert change(150, 100) == 50.0
    assert change(50, 100) == -50.0
    assert change(100, 100) == 0.0
    assert change(1, 3) == -66.7
    assert change(5, 0) is None
    assert change(0, 0) is None


@given(small, st.integers(min_value=1, max_value=10_000))
def test_a_change_applied_to_the_earlier_figure_gives_back_the_later_one(
    current: int, previous: int
) -> None:
    percent = change(current, previous)
    assert percent is not None
    assert abs(previous * (1 + percent / 100) - current) <= previous * 0.0005 + 1e-9
    assert (percent > 0) == (current > previous)


@given(ledger, days, days)
def test_a_total_is_the_sum_of_its_days(ledger: dict[date, Figures], a: date, b: date) -> None:
    first, last = min(a, b), max(a, b)
    result = total(ledger, first, last)
    inside = [f for d, f in ledger.items() if first <= d <= last]
    assert result.sessions == sum(f.sessions for f in inside)
    assert result.energy_wh == sum(f.energy_wh for f in inside)
    assert result.charging_seconds == sum(f.charging_seconds for f in inside)
    assert result.new_drivers == sum(f.new_drivers for f in inside)


@given(ledger, days)
def test_the_months_add_up_to_the_days_they_cover(ledger: dict[date, Figures], last: date) -> None:
    months = monthly(ledger, last, 14)
    assert len(months) == 14
    assert [first.day for first, _ in months] == [1] * 14
    assert months[-1][0] == last.replace(day=1)
    first = months[0][0]
    following = shift_months(months[-1][0], 1)
    together = Figures()
    for _, month in months:
        together = together + month
    assert together == total(ledger, first, following - timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2025, 5, 31), -1, date(2025, 4, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
    ],
)
def test_shifting_months_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert shift_months(day, months) == expected


@given(days, st.integers(min_value=-40, max_value=40))
def test_a_shifted_day_lies_in_the_right_month(day: date, months: int) -> None:
    shifted = shift_months(day, months)
    assert (shifted.year * 12 + shifted.month) - (day.year * 12 + day.month) == months
    assert shifted.day <= day.day


def test_month_over_month_on_31_march_compares_with_the_whole_of_february() -> None:
    current, previous = periods(date(2025, 3, 31))[Span.MONTH]
    assert (current.first, current.last) == (date(2025, 3, 1), date(2025, 3, 31))
    assert (previous.first, previous.last) == (date(2025, 2, 1), date(2025, 2, 28))


def test_month_over_month_on_the_15th_compares_the_first_halves() -> None:
    current, previous = periods(date(2025, 3, 15))[Span.MONTH]
    assert (current.first, current.last) == (date(2025, 3, 1), date(2025, 3, 15))
    assert (previous.first, previous.last) == (date(2025, 2, 1), date(2025, 2, 15))


def test_month_over_month_in_january_reaches_back_into_december() -> None:
    _, previous = periods(date(2025, 1, 10))[Span.MONTH]
    assert (previous.first, previous.last) == (date(2024, 12, 1), date(2024, 12, 10))


def test_day_over_day_compares_today_with_yesterday() -> None:
    current, previous = periods(date(2025, 3, 1))[Span.DAY]
    assert (current.first, current.last) == (date(2025, 3, 1), date(2025, 3, 1))
    assert (previous.first, previous.last) == (date(2025, 2, 28), date(2025, 2, 28))


def test_year_over_year_on_29_february_compares_with_28_february() -> None:
    current, previous = periods(date(2024, 2, 29))[Span.YEAR]
    assert (current.first, current.last) == (date(2024, 1, 1), date(2024, 2, 29))
    assert (previous.first, previous.last) == (date(2023, 1, 1), date(2023, 2, 28))


@given(days)
def test_each_earlier_period_ends_on_the_same_day_or_its_months_last(today: date) -> None:
    for span, (current, previous) in periods(today).items():
        assert current.last == today
        assert previous.first <= previous.last < current.first
        if span is Span.DAY:
            assert previous.first == previous.last == today - timedelta(days=1)
            continue
        back = 1 if span is Span.MONTH else 12
        months = (today.year * 12 + today.month) - (previous.last.year * 12 + previous.last.month)
        assert months == back
        start = current.first.replace(year=previous.last.year, month=previous.last.month)
        assert previous.first == (start if span is Span.MONTH else start.replace(month=1))
        month_ends = (previous.last + timedelta(days=1)).day == 1
        assert previous.last.day == today.day or (previous.last.day < today.day and month_ends)


@given(days, st.integers(min_value=1, max_value=24))
def test_the_first_day_needed_covers_every_current_period_and_month(
    today: date, months: int
) -> None:
    first = first_day_needed(today, months)
    for current, _ in periods(today).values():
        assert first <= current.first
    assert first <= shift_months(today.replace(day=1), -(months - 1))


ZONES = ["Europe/Helsinki", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"]
moments = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
)


@given(st.sampled_from(ZONES), moments)
def test_offset_spans_give_the_local_day_the_time_zone_gives(
    zone_name: str, moment: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    start, end = datetime(2023, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    spans = offset_spans(zone, start, end)
    assert local_day(spans, moment) == moment.astimezone(zone).date()


def test_offset_spans_find_the_second_daylight_saving_time_begins() -> None:
    zone = ZoneInfo("Europe/Helsinki")
    spans = offset_spans(zone, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC))
    assert [(s.since, s.minutes) for s in spans] == [
        (None, 120),
        (datetime(2025, 3, 30, 1, 0, tzinfo=UTC), 180),
        (datetime(2025, 10, 26, 1, 0, tzinfo=UTC), 120),
    ]


def test_new_drivers_count_on_the_local_day_they_were_made() -> None:
    zone = ZoneInfo("Europe/Helsinki")
    made = [
        datetime(2025, 3, 1, 21, 59, tzinfo=UTC),  # 23:59 in Helsinki
        datetime(2025, 3, 1, 22, 0, tzinfo=UTC),  # 00:00 on 2 March
        datetime(2025, 3, 2, 10, 0, tzinfo=UTC),
    ]
    assert per_day(made, zone) == {
        date(2025, 3, 1): Figures(new_drivers=1),
        date(2025, 3, 2): Figures(new_drivers=2),
    }


def test_status_counts_add_up_and_offline_stations_count_offline() -> None:
    counts = status_counts(
        [(True, 3), (False, 2)],
        [
            (True, "available", 2),
            (True, "charging", 3),
            (True, "suspended", 1),
            (False, "available", 4),
            (False, "charging", 1),
            (True, "faulted", 1),
            (True, "nonsense", 1),
        ],
    )
    assert (counts.stations_online, counts.stations_offline, counts.stations) == (3, 2, 5)
    assert counts.count(ConnectorState.AVAILABLE) == 2
    assert counts.count(ConnectorState.CHARGING) == 3
    assert counts.count(ConnectorState.SUSPENDED) == 1
    assert counts.count(ConnectorState.OFFLINE) == 5
    assert counts.count(ConnectorState.FAULTED) == 1
    assert counts.count(ConnectorState.UNKNOWN) == 1
    assert counts.count(ConnectorState.UNAVAILABLE) == 0
    assert sum(counts.connectors.values()) == 13  # each connector once
