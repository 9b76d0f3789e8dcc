"""Scheduled jobs and their runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.jobs import RunStatus, Trigger


class JobRunOut(Schema):
    id: int
    job: str
    node: str = Field(description="The node that ran it (its id, as in the logs).")
    trigger: Trigger
    requested_by: str = Field(description="Who asked for it (a manual run); empty otherwise.")
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    items: int = Field(description="What it got done: rows removed, stations sent an update...")
    detail: str = Field(description="Why it failed or was skipped.")


class ScheduleOut(Schema):
    text: str = Field(description="In words: `every 10 s`, `daily at 03:30 (UTC)`.")
    every_seconds: float | None = None
    daily_at: str | None = Field(default=None, description="HH:MM, in `time_zone`.")
    time_zone: str | None = None


class JobOut(Schema):
    name: str
    description: str
    schedule: ScheduleOut
    status: Literal["running", "scheduled", "disabled"]
    running_on: str | None = Field(description="The node running it now.")
    disabled_reason: str = ""
    next_run_at: datetime | None
    last_run: JobRunOut | None
