"""The installation's scheduled jobs: what they are, when they run, how their runs went, and a
run now (jobs:manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from kilowatt.api.deps import JobsManage, PageDep, ServicesDep
from kilowatt.api.schemas.common import Page
from kilowatt.api.schemas.jobs import JobOut, JobRunOut, ScheduleOut
from kilowatt.domain.jobs import Daily, Every, JobSpec
from kilowatt.services.jobs import JobView

router = APIRouter(tags=["jobs"])

JobName = Annotated[str, Path(max_length=64, description="e.g. message-log-retention")]
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=300,
        description="Seconds to wait for the run to end; 0 returns at once. The run goes on "
        "either way: 200 when it ended, 202 while it still runs.",
    ),
]


def schedule_out(spec: JobSpec) -> ScheduleOut:
    schedule = spec.schedule
    if isinstance(schedule, Every):
        return ScheduleOut(text=schedule.describe(), every_seconds=schedule.seconds)
    assert isinstance(schedule, Daily)
    return ScheduleOut(
        text=schedule.describe(), daily_at=schedule.at.strftime("%H:%M"), time_zone=schedule.zone
    )


def job_out(view: JobView) -> JobOut:
    return JobOut(
        name=view.spec.name,
        description=view.spec.description,
        schedule=schedule_out(view.spec),
        status=view.status,
        running_on=view.running_on,
        disabled_reason=view.spec.disabled,
        next_run_at=view.next_run_at,
        last_run=JobRunOut.model_validate(view.last_run) if view.last_run else None,
    )


@router.get("/jobs", response_model=list[JobOut])
async def list_jobs(services: ServicesDep, principal: JobsManage) -> list[JobOut]:
    """Every job of the installation (the same for every organization): its schedule, whether
    it runs now and where, its next run and its last."""
    return [job_out(view) for view in await services.jobs.list(principal)]


@router.get("/jobs/{job}/runs", response_model=Page[JobRunOut])
async def list_runs(
    job: JobName, services: ServicesDep, principal: JobsManage, page: PageDep
) -> Page[JobRunOut]:
    """The job's runs, newest first (the newest 1,000 are kept)."""
    found = await services.jobs.runs(principal, job, page)
    return Page.of(found.items, found.next_cursor, JobRunOut.model_validate)


@router.post(
    "/jobs/{job}/run",
    response_model=JobRunOut,
    status_code=202,
    responses={
        200: {"description": "The run ended within `wait`", "model": JobRunOut},
        409: {"description": "A run of the job goes on (on this node or another)"},
    },
)
async def run_job(
    job: JobName, response: Response, services: ServicesDep, principal: JobsManage, wait: Wait = 0
) -> JobRunOut:
    """Run the job now, on the node that received the request, outside its schedule (which it
    leaves as it was). A disabled job's run is recorded as skipped."""
    run = await services.jobs.run_now(principal, job, f"api:{principal.name}", wait=wait)
    response.status_code = 200 if run.done else 202
    return JobRunOut.model_validate(run)
