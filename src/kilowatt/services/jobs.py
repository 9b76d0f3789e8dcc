"""Scheduled and background jobs: their leases and the record of their runs, for the runner
(kilowatt/jobs/, which runs them) and for operators (the API).

The runner asks ``begin`` before it runs a job: that takes the job's lease for its node in the
database, so that of several nodes one runs it, and records the run. It renews the lease while
the run goes on and calls ``end`` with the outcome. A lease that ran out (its node died) is
``reap``ed: the run it covered is recorded as failed, and the job is scheduled again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import structlog

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.jobs import (
    RUNS_KEPT,
    JobRun,
    JobSpec,
    JobState,
    RunStatus,
    Trigger,
    abandon,
    finish,
    first_run,
    lease_lapsed,
    next_run,
)
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, JobLauncher, UnitOfWorkFactory

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as operators see it: its schedule, where it stands, its last run."""

    spec: JobSpec
    state: JobState | None
    last_run: JobRun | None
    now: datetime

    @property
    def running_on(self) -> str | None:
        state = self.state
        if state is None or state.holder is None or lease_lapsed(state, self.now):
            return None
        return state.holder

    @property
    def status(self) -> Literal["running", "scheduled", "disabled"]:
        if self.running_on is not None:
            return "running"
        return "disabled" if self.spec.disabled else "scheduled"

    @property
    def next_run_at(self) -> datetime | None:
        return None if self.state is None or self.spec.disabled else self.state.next_run_at


class JobService(Service):
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self.specs: dict[str, JobSpec] = {}
        self.launcher: JobLauncher | None = None

    def install(self, specs: Sequence[JobSpec], launcher: JobLauncher) -> None:
        """The jobs this node knows, and the runner that runs them (bootstrap wires both)."""
        self.specs = {spec.name: spec for spec in specs}
        self.launcher = launcher

    def spec(self, name: str) -> JobSpec:
        spec = self.specs.get(name)
        if spec is None:
            raise NotFound("job", name)
        return spec

    # For the runner -------------------------------------------------------------------------

    async def prepare(self) -> None:
        """A node starts: every job has its row, scheduled by its schedule of today."""
        for attempt in range(2):
            now = self.clock.now()
            try:
                async with self.uow() as uow:
                    stored = {state.name: state for state in await uow.jobs.states()}
                    for spec in self.specs.values():
                        state = stored.get(spec.name)
                        if state is None:
                            await uow.jobs.add(
                                JobState(spec.name, next_run_at=first_run(spec, None, now))
                            )
                        else:
                            when = first_run(spec, state.next_run_at, now)
                            if when != state.next_run_at:
                                await uow.jobs.reschedule(spec.name, when)
                    await uow.commit()
                return
            except Conflict:  # another node made a row at the same moment: read it again
                if attempt:
                    raise

    async def states(self) -> list[JobState]:
        async with self.uow(readonly=True) as uow:
            return await uow.jobs.states()

    async def begin(
        self, name: str, node: str, trigger: Trigger, requested_by: str, ttl: float
    ) -> JobRun | None:
        """Take the job's lease for ``node`` and record a run; None when another node holds
        it. A run left behind by a node whose lease ran out is recorded as failed."""
        now = self.clock.now()
        async with self.uow() as uow:
            if not await uow.jobs.take(name, node, now, now + timedelta(seconds=ttl)):
                return None
            for left in await uow.jobs.running(name):
                abandon(left, now)
                log.warning("job run abandoned", job=name, run=left.id, node=left.node)
            run = await uow.jobs.add_run(
                JobRun(
                    job=name, node=node, trigger=trigger, started_at=now, requested_by=requested_by
                )
            )
            await uow.commit()
        return run

    async def renew(self, name: str, node: str, ttl: float) -> bool:
        until = self.clock.now() + timedelta(seconds=ttl)
        async with self.uow() as uow:
            renewed = await uow.jobs.renew(name, node, until)
            await uow.commit()
        return renewed

    async def end(
        self,
        run: JobRun,
        status: RunStatus,
        *,
        items: int = 0,
        detail: str = "",
        again: bool = False,
    ) -> JobRun:
        """Record how the run ended, schedule the job's next run and give its lease back;
        ``again``: the run was cut short (its node shuts down), the job is due at once, for
        another node or this one once it is back."""
        assert run.id is not None
        spec = self.spec(run.job)
        now = self.clock.now()
        async with self.uow() as uow:
            stored = await uow.jobs.get_run(run.id)
            if stored is None:  # removed meanwhile: nothing to record
                return run
            if stored.done:
                # Another node found the lease run out and recorded the run as failed: that
                # stands (it may have run the job itself since), this late end does not.
                log.warning("job run ended after its lease ran out", job=run.job, run=run.id)
            else:
                finish(stored, status, now, items, detail)
            state = await uow.jobs.get(run.job)
            when = next_run(spec, run.trigger, now, state.next_run_at if state else None)
            if again and when is not None:
                when = min(when, now)
            await uow.jobs.release(run.job, run.node, when)
            await uow.jobs.prune_runs(run.job, RUNS_KEPT)
            await uow.commit()
        return stored

    async def reap(self, name: str) -> list[JobRun]:
        """The job's holder let its lease run out: record its run as failed, free the lease
        and schedule the job again from when that run began."""
        now = self.clock.now()
        spec = self.spec(name)
        async with self.uow() as uow:
            state = await uow.jobs.get(name)
            if state is None or not lease_lapsed(state, now):
                return []
            left = await uow.jobs.running(name)
            began = min((run.started_at for run in left), default=now)
            when = next_run(spec, Trigger.SCHEDULE, began, None)
            if not await uow.jobs.clear_lapsed(name, now, when):  # renewed or taken meanwhile
                return []
            for run in left:
                abandon(run, now)
            await uow.commit()
        for run in left:
            log.warning("job run abandoned", job=name, run=run.id, node=run.node)
        return left

    # For operators ------------------------------------------------------------------------

    async def list(self, principal: Principal) -> list[JobView]:
        now = self.clock.now()
        async with self.uow(readonly=True) as uow:
            states = {state.name: state for state in await uow.jobs.states()}
            last = await uow.jobs.last_runs()
        return [
            JobView(spec, states.get(name), last.get(name), now)
            for name, spec in sorted(self.specs.items())
        ]

    async def runs(self, principal: Principal, name: str, page: PageRequest) -> Page[JobRun]:
        self.spec(name)
        async with self.uow(readonly=True) as uow:
            return await uow.jobs.runs(name, page)

    async def run_now(
        self, principal: Principal, name: str, requested_by: str, *, wait: float = 0
    ) -> JobRun:
        """Run the job on this node now. Conflict while a run of it goes on anywhere."""
        self.spec(name)
        assert self.launcher is not None, "bootstrap installs the runner"
        run, ended = await self.launcher.launch(name, requested_by)
        assert run.id is not None
        async with self.uow() as uow:
            await record(
                uow, principal, "job.run", "job", name, {"run_id": run.id}, at=run.started_at
            )
            await uow.commit()
        if wait > 0:
            await asyncio.wait({asyncio.ensure_future(ended)}, timeout=wait)
        async with self.uow(readonly=True) as uow:
            return await uow.jobs.get_run(run.id) or run
