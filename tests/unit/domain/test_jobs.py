"""Jobs: the scheduling arithmetic (intervals, daily wall-clock times across clock changes) and
the lease rules that keep a job on one node at a time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.jobs import (
    MAX_DETAIL,
    Daily,
    Every,
    JobRun,
    JobSpec,
    JobState,
    RunStatus,
    Trigger,
    abandon,
    due,
    finish,
    first_run,
    lease_free,
    lease_lapsed,
    next_run,
    parse_time_of_day,
    renewal_period,
    time_zone,
    wall_clock,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HELSINKI = "Europe/Helsinki"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- schedules --------------------------------------------------------------------------------


def test_an_interval_counts_from_the_moment_given() -> None:
    every = Every(10)
    assert every.next_after(NOW) == NOW + timedelta(seconds=10)
    assert every.describe() == "every 10 s"
    assert Every(120).describe() == "every 2 min"
    assert Every(7200).describe() == "every 2 h"
    assert Every(0.5).describe() == "every 0.5 s"
    with pytest.raises(InvalidInput):
        Every(0)


def test_a_daily_time_is_today_if_still_ahead_else_tomorrow() -> None:
    daily = Daily(time(3, 30))
    assert daily.next_after(utc(2025, 6, 1, 1, 0)) == utc(2025, 6, 1, 3, 30)
    assert daily.next_after(utc(2025, 6, 1, 3, 30)) == utc(2025, 6, 2, 3, 30)  # strictly after
    assert daily.next_after(utc(2025, 6, 1, 23, 59)) == utc(2025, 6, 2, 3, 30)
    assert daily.describe() == "daily at 03:30 (UTC)"


def test_a_daily_time_is_on_the_local_clock_of_its_zone() -> None:
    daily = Daily(time(3, 30), HELSINKI)  # UTC+3 in summer
    assert daily.next_after(utc(2025, 6, 1, 0, 0)) == utc(2025, 6, 1, 0, 30)
    assert daily.next_after(utc(2025, 6, 1, 0, 30)) == utc(2025, 6, 2, 0, 30)
    # 23:00 UTC is already 02:00 of the next local day: its 03:30 is an hour and a half away.
    assert daily.next_after(utc(2025, 6, 1, 23, 0)) == utc(2025, 6, 2, 0, 30)
    winter = daily.next_after(utc(2025, 1, 10, 12, 0))  # UTC+2
    assert winter == utc(2025, 1, 11, 1, 30)


def test_a_time_the_clocks_skip_runs_at_the_jump() -> None:
    # Helsinki, 30 March 2025: 03:00 local (01:00 UTC) becomes 04:00; 03:30 never happens.
    daily = Daily(time(3, 30), HELSINKI)
    run = daily.next_after(utc(2025, 3, 29, 12, 0))
    assert run == utc(2025, 3, 30, 1, 0)
    assert run.astimezone(ZoneInfo(HELSINKI)).strftime("%H:%M") == "04:00"
    # And the next day is back to 03:30 local.
    assert daily.next_after(run) == utc(2025, 3, 31, 0, 30)


def test_a_time_the_clocks_show_twice_runs_at_the_first_only() -> None:
    # Helsinki, 26 October 2025: 04:00 local becomes 03:00 again; 03:30 comes twice.
    daily = Daily(time(3, 30), HELSINKI)
    first = daily.next_after(utc(2025, 10, 25, 12, 0))
    assert first == utc(2025, 10, 26, 0, 30)  # 03:30 at UTC+3
    # After the first run (even between the two 03:30s) the next is the following day.
    assert daily.next_after(first) == utc(2025, 10, 27, 1, 30)
    assert daily.next_after(utc(2025, 10, 26, 1, 0)) == utc(2025, 10, 27, 1, 30)


@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    at=st.times(),
    zone=st.sampled_from(
        ["UTC", HELSINKI, "America/New_York", "Australia/Lord_Howe", "America/Santiago"]
    ),
)
def test_a_daily_job_runs_once_every_local_day(start: datetime, at: time, zone: str) -> None:
    """Followed for 40 runs, a daily job runs on 40 consecutive local days, each time after the
    last, at its time of day unless the clocks skipped it that day."""
    daily = Daily(at.replace(tzinfo=None), zone)
    local = ZoneInfo(zone)
    moment = start
    days = []
    for _ in range(40):
        run = daily.next_after(moment)
        assert run > moment
        assert run - moment <= timedelta(hours=27)
        shown = run.astimezone(local)
        if shown.time().replace(tzinfo=None) != at.replace(tzinfo=None):
            # Only on a day the clocks jumped over ``at``: then at the jump.
            assert wall_clock(shown.date(), at.replace(tzinfo=None), local) == run
            assert (run - timedelta(seconds=1)).astimezone(local).utcoffset() != shown.utcoffset()
        days.append(shown.date())
        moment = run
    assert all(b - a == timedelta(days=1) for a, b in pairwise(days))


def test_times_of_day_and_zones_are_checked() -> None:
    assert parse_time_of_day("03:30") == time(3, 30)
    assert parse_time_of_day(" 7:05 ") == time(7, 5)
    for bad in ("3", "25:00", "03:60", "03:3", "noon", "03:30:00"):
        with pytest.raises(InvalidInput):
            parse_time_of_day(bad)
    assert time_zone(HELSINKI) == ZoneInfo(HELSINKI)
    for zone in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(InvalidInput):
            time_zone(zone)
    with pytest.raises(InvalidInput):
        Daily(time(3, 30), "Nowhere/Special")


# --- when a job runs next ----------------------------------------------------------------------


TEN_SECONDS = Every(10)


def spec(schedule: Every | Daily = TEN_SECONDS, disabled: str = "") -> JobSpec:
    return JobSpec("probe", "a job", schedule, disabled=disabled)


def test_a_new_interval_job_runs_at_once_and_a_new_daily_one_at_its_time() -> None:
    assert first_run(spec(), None, NOW) == NOW
    assert first_run(spec(Daily(time(3, 30))), None, NOW) == utc(2025, 6, 2, 3, 30)
    assert first_run(spec(disabled="off"), None, NOW) is None
    assert first_run(spec(disabled="off"), NOW, NOW) is None


def test_a_stored_next_run_stands_unless_the_schedule_now_says_sooner() -> None:
    later = NOW + timedelta(seconds=5)
    assert first_run(spec(), later, NOW) == later
    overdue = NOW - timedelta(hours=1)
    assert first_run(spec(), overdue, NOW) == overdue  # runs at once
    # Configured every hour before, every 10 s now: no waiting out the old hour.
    assert first_run(spec(), NOW + timedelta(hours=1), NOW) == NOW + timedelta(seconds=10)


def test_the_next_run_follows_the_schedule_and_a_manual_run_leaves_it() -> None:
    ended = NOW + timedelta(seconds=3)
    stored = NOW - timedelta(seconds=1)
    assert next_run(spec(), Trigger.SCHEDULE, ended, stored) == ended + timedelta(seconds=10)
    assert next_run(spec(), Trigger.MANUAL, ended, stored) == stored
    assert next_run(spec(), Trigger.MANUAL, ended, None) == ended + timedelta(seconds=10)
    daily = spec(Daily(time(3, 30)))
    assert next_run(daily, Trigger.SCHEDULE, utc(2025, 6, 1, 3, 31), None) == utc(2025, 6, 2, 3, 30)
    assert next_run(spec(disabled="off"), Trigger.SCHEDULE, ended, stored) is None


# --- leases -------------------------------------------------------------------------------------


def state(holder: str | None = None, until: datetime | None = None, **fields: object) -> JobState:
    return JobState("probe", holder=holder, lease_until=until, **fields)  # type: ignore[arg-type]


def test_a_lease_is_free_when_nobody_holds_it_or_its_holder_let_it_run_out() -> None:
    assert lease_free(state(), NOW)
    assert not lease_free(state("a", NOW + timedelta(seconds=1)), NOW)
    assert lease_free(state("a", NOW), NOW)  # ran out this very moment
    assert lease_free(state("a", NOW - timedelta(seconds=1)), NOW)
    assert lease_free(state("a", None), NOW)
    assert not lease_lapsed(state(), NOW)
    assert not lease_lapsed(state("a", NOW + timedelta(seconds=1)), NOW)
    assert lease_lapsed(state("a", NOW - timedelta(seconds=1)), NOW)
    assert renewal_period(60) == 20  # three chances to renew before it lapses


def test_a_job_is_due_at_its_time_when_its_lease_is_free() -> None:
    assert due(state(next_run_at=NOW), NOW)
    assert not due(state(next_run_at=NOW + timedelta(seconds=1)), NOW)
    assert not due(state(next_run_at=None), NOW)  # disabled
    assert not due(state("a", NOW + timedelta(seconds=30), next_run_at=NOW), NOW)  # running
    assert due(state("a", NOW - timedelta(seconds=30), next_run_at=NOW), NOW)  # its node died


def test_a_run_ends_once_with_its_outcome_and_an_abandoned_one_says_why() -> None:
    run = JobRun("probe", "node-a", Trigger.SCHEDULE, NOW)
    assert run.status is RunStatus.RUNNING
    assert not run.done
    finish(run, RunStatus.FAILED, NOW, 3, "x" * (MAX_DETAIL + 10))
    assert (run.status, run.items, run.finished_at, run.done) == (RunStatus.FAILED, 3, NOW, True)
    assert len(run.detail) == MAX_DETAIL
    left = JobRun("probe", "node-b", Trigger.SCHEDULE, NOW, items=7)
    abandon(left, NOW + timedelta(minutes=2))
    assert left.status is RunStatus.FAILED
    assert left.items == 7
    assert "node-b" in left.detail
    assert "lease ran out" in left.detail
