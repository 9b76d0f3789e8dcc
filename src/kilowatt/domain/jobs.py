"""Scheduled and background jobs: when each one runs next, who may run it now, and the record
of every run.

A job is code (``JobSpec``: a name, a schedule) and one row in the database (``JobState``: the
lease and the next run). Several nodes may run Kilowatt; a job runs on one of them at a time,
the one that holds its lease. A lease is taken only when it is free (nobody holds it, or its
holder let it run out), renewed by its holder while the run goes on, and given back when the
run ends. A node that dies stops renewing: once its lease has run out, its run is recorded as
failed and the job runs again at its next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kilowatt.domain.errors import InvalidInput

MAX_DETAIL = 2000
"""Characters kept of why a run failed or was skipped."""
RUNS_KEPT = 1000
"""Runs of each job kept; older ones are removed as new ones finish."""


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Nothing to do by configuration (a retention of 0 days keeps everything)."""


FINAL_RUN = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED})


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    """Someone asked for it (``POST /api/v1/jobs/{name}/run``)."""


# Schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Every:
    """Every ``seconds``, counted from the end of the last run."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise InvalidInput("seconds", "an interval must be longer than 0 s")

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)

    def describe(self) -> str:
        seconds = self.seconds
        if seconds % 3600 == 0:
            return f"every {int(seconds // 3600)} h"
        if seconds % 60 == 0:
            return f"every {int(seconds // 60)} min"
        return f"every {seconds:g} s"


@dataclass(frozen=True, slots=True)
class Daily:
    """Once a day at the wall-clock time ``at`` of ``zone``.

    When clocks go forward over ``at``, that day's run is at the jump; when they go back and
    ``at`` comes twice, the run is at the first.
    """

    at: time
    zone: str = "UTC"

    def __post_init__(self) -> None:
        time_zone(self.zone)  # InvalidInput for a zone that does not exist

    def next_after(self, moment: datetime) -> datetime:
        zone = time_zone(self.zone)
        day = moment.astimezone(zone).date()
        for offset in range(3):
            candidate = wall_clock(day + timedelta(days=offset), self.at, zone)
            if candidate > moment:
                return candidate
        raise AssertionError("a day always has a next occurrence within two days")

    def describe(self) -> str:
        return f"daily at {self.at.strftime('%H:%M')} ({self.zone})"


Schedule = Every | Daily


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError) as error:
        raise InvalidInput("time_zone", f"unknown time zone {name!r}") from error


def parse_time_of_day(text: str) -> time:
    """``HH:MM`` (24 hours)."""
    try:
        hours, minutes = text.strip().split(":")
        if len(hours) > 2 or len(minutes) != 2:
            raise ValueError(text)
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise InvalidInput("time", f"{text!r} is not a time of day as HH:MM") from error


def wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) the clocks of ``zone`` show ``at`` on ``day``: the first of two when
    they show it twice; the jump itself when they skip it."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 reads the time with the offset from before the jump, fold=0 with the one
    # after, so the jump lies between the two instants. Find it to the second.
    earlier = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    before, after = min(first, earlier), max(first, earlier)
    offset = before.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0)


# Jobs, their state and their runs ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job as the code registers it."""

    name: str
    description: str
    schedule: Schedule
    disabled: str = ""
    """Why it does not run (its configuration turns it off); "" when it does."""


@dataclass(eq=False)
class JobState:
    """A job's row: who holds its lease, until when, and when it runs next."""

    name: str
    holder: str | None = None
    """The node running it now."""
    lease_until: datetime | None = None
    run_id: int | None = None
    """The run its holder is doing."""
    next_run_at: datetime | None = None
    """None: not scheduled (a disabled job)."""


@dataclass(eq=False)
class JobRun:
    job: str
    node: str
    trigger: Trigger
    started_at: datetime
    status: RunStatus = RunStatus.RUNNING
    requested_by: str = ""
    finished_at: datetime | None = None
    items: int = 0
    """What it got done: rows removed, stations sent an update..."""
    detail: str = ""
    """Why it failed (the error) or was skipped."""
    id: int | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL_RUN


def lease_free(state: JobState, now: datetime) -> bool:
    """Whether a node may take the job's lease now (the storage takes it by the same rule, in
    one conditional statement)."""
    return state.holder is None or state.lease_until is None or state.lease_until <= now


def lease_lapsed(state: JobState, now: datetime) -> bool:
    """Its holder stopped renewing the lease: that node is gone, or stuck."""
    return state.holder is not None and state.lease_until is not None and state.lease_until <= now


def renewal_period(ttl: float) -> float:
    """How often a holder renews a lease of ``ttl`` seconds: three tries before it lapses."""
    return ttl / 3


def due(state: JobState, now: datetime) -> bool:
    return state.next_run_at is not None and state.next_run_at <= now and lease_free(state, now)


def first_run(spec: JobSpec, stored: datetime | None, now: datetime) -> datetime | None:
    """When a job runs next as a node starts: as stored, but no later than its schedule says
    from now (a shorter interval configured since applies at once); never when disabled."""
    if spec.disabled:
        return None
    if stored is None:
        return now if isinstance(spec.schedule, Every) else spec.schedule.next_after(now)
    return min(stored, spec.schedule.next_after(now))


def next_run(
    spec: JobSpec, trigger: Trigger, ended: datetime, stored: datetime | None
) -> datetime | None:
    """The next time after a run that ended at ``ended``: from the schedule, unless the run was
    asked for by someone (a run now leaves the schedule as it was)."""
    if spec.disabled:
        return None
    if trigger is Trigger.MANUAL and stored is not None:
        return stored
    return spec.schedule.next_after(ended)


def finish(run: JobRun, status: RunStatus, now: datetime, items: int = 0, detail: str = "") -> None:
    run.status = status
    run.finished_at = now
    run.items = items
    run.detail = detail[:MAX_DETAIL]


def abandon(run: JobRun, now: datetime) -> None:
    """A run whose node stopped renewing its lease: it will never report back."""
    finish(
        run,
        RunStatus.FAILED,
        now,
        run.items,
        f"node {run.node} stopped before the run finished (its lease ran out)",
    )
