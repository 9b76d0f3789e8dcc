"""The node's job runner, started and stopped by the app's lifespan.

Every ``poll`` seconds it reads the jobs' rows. A job that is due and whose lease is free is
begun (``JobService.begin`` takes the lease in the database: of several nodes, one gets it) and
runs in a task of its own, while a keeper renews its lease. A lease that ran out (its node died)
is reaped: the run it covered is recorded as failed and the job scheduled again. On shutdown the
runs in progress are cancelled and recorded as failed, and their leases given back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence

import structlog

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.jobs import JobRun, RunStatus, Trigger, due, lease_lapsed, renewal_period
from kilowatt.jobs.job import Job
from kilowatt.services.jobs import JobService

log = structlog.get_logger(__name__)

POLL = 1.0
"""Seconds between looks at the jobs' rows."""


class JobRunner:
    def __init__(
        self,
        service: JobService,
        jobs: Sequence[Job],
        *,
        node: str,
        lease_ttl: float,
        schedule: bool = True,
        poll: float = POLL,
    ) -> None:
        self.service = service
        self.jobs = {job.spec.name: job for job in jobs}
        self.node = node
        self.lease_ttl = lease_ttl
        self.schedule = schedule
        self.poll = poll
        self._running: dict[str, asyncio.Task[None]] = {}
        self._lost: dict[str, str] = {}
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False
        service.install([job.spec for job in jobs], self)

    async def start(self) -> None:
        await self.service.prepare()
        if self.schedule:
            self._loop = asyncio.create_task(self._schedule(), name="jobs")
        log.info("jobs started", node=self.node, scheduling=self.schedule, jobs=len(self.jobs))

    async def stop(self) -> None:
        self._stopping = True
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # JobLauncher: a run asked for through this node ------------------------------------------

    async def launch(self, name: str, requested_by: str) -> tuple[JobRun, Awaitable[None]]:
        job = self.jobs.get(name)
        if job is None:
            raise NotFound("job", name)
        if self._stopping:
            raise Conflict("this node is shutting down: ask another")
        started = await self._begin(job, Trigger.MANUAL, requested_by)
        if started is None:
            raise Conflict(f"job {name} is running already")
        return started

    # Scheduling ------------------------------------------------------------------------------

    async def _schedule(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the database away for a moment: try again at the next poll
                log.exception("job scheduling failed")
            await asyncio.sleep(self.poll)

    async def tick(self) -> None:
        """One look at the jobs: reap lapsed leases, begin the jobs that are due."""
        now = self.service.clock.now()
        for state in await self.service.states():
            job = self.jobs.get(state.name)
            if job is None or state.name in self._running or self._stopping:
                continue
            if lease_lapsed(state, now):
                await self.service.reap(state.name)
            elif due(state, now):
                await self._begin(job, Trigger.SCHEDULE, "")

    async def _begin(
        self, job: Job, trigger: Trigger, requested_by: str
    ) -> tuple[JobRun, Awaitable[None]] | None:
        name = job.spec.name
        if name in self._running:
            return None
        run = await self.service.begin(name, self.node, trigger, requested_by, self.lease_ttl)
        if run is None:
            return None
        task = asyncio.create_task(self._run(job, run), name=f"job-{name}-{run.id}")
        self._running[name] = task
        task.add_done_callback(lambda _: self._running.pop(name, None))
        return run, task

    # One run ---------------------------------------------------------------------------------

    async def _run(self, job: Job, run: JobRun) -> None:
        name = job.spec.name
        log.debug("job run started", job=name, run=run.id, trigger=run.trigger.value)
        this = asyncio.current_task()
        assert this is not None
        keeper = asyncio.create_task(self._keep(name, this), name=f"job-{name}-lease")
        status, items, detail, again = RunStatus.FAILED, 0, "", False
        try:
            if job.spec.disabled:
                status, detail = RunStatus.SKIPPED, job.spec.disabled
            else:
                items = await job.work()
                status = RunStatus.SUCCEEDED
        except asyncio.CancelledError:
            lost = self._lost.pop(name, "")
            detail = lost or "stopped: the node shut down during the run"
            again = not lost and run.trigger is Trigger.SCHEDULE
            raise
        except Exception as error:
            log.exception("job run failed", job=name, run=run.id)
            detail = f"{type(error).__name__}: {error}"
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await self.service.end(run, status, items=items, detail=detail, again=again)
            except Exception:
                log.exception("the end of a job run could not be recorded", job=name, run=run.id)
            # A frequent job that found nothing to do is not worth a line at info.
            quiet = status is RunStatus.SUCCEEDED and not items and run.trigger is Trigger.SCHEDULE
            (log.debug if quiet else log.info)(
                "job run ended", job=name, run=run.id, status=status.value, items=items
            )

    async def _keep(self, name: str, run: asyncio.Task[None]) -> None:
        """Renew the run's lease until it ends; stop the run if another node took it (this
        node could not renew it in time), so that the job never runs twice at once."""
        while True:
            await asyncio.sleep(renewal_period(self.lease_ttl))
            try:
                held = await self.service.renew(name, self.node, self.lease_ttl)
            except Exception:
                log.exception("a job's lease could not be renewed", job=name)
                continue
            if not held:
                log.error("job lease lost: the run stops", job=name, node=self.node)
                self._lost[name] = "stopped: the node lost the job's lease (it could not renew it)"
                run.cancel()
                return
