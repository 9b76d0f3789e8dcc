"""Two job runners, as two nodes would have, against one real database (SQLite and
PostgreSQL): a job runs on one of them at a time, a run whose node stopped renewing its lease
is recorded as failed and the job runs again, and a run asked for while another goes on is
refused. The runners, the services and the storage are Kilowatt's own; only the job is the
test's (a probe that waits until the test lets it finish)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest

from kilowatt.bootstrap import build_services, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.jobs import Every, JobRun, JobSpec, RunStatus, Trigger
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.users import Principal
from kilowatt.jobs.job import Job
from kilowatt.jobs.runner import JobRunner
from kilowatt.persistence.db import Database
from kilowatt.services.container import Services
from tests.support.server import create_postgres_database, drop_postgres_database

NAME = "probe"


@dataclass
class Probe:
    """A job that counts how many of its runs go on at once, and waits for ``gate``."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    started: list[str] = field(default_factory=list)
    running: int = 0
    most: int = 0
    hold: float = 0.0

    def job(self, node: str, every: float = 0.2) -> Job:
        async def work() -> int:
            self.started.append(node)
            self.running += 1
            self.most = max(self.most, self.running)
            try:
                await asyncio.sleep(self.hold)
                await self.gate.wait()
            finally:
                self.running -= 1
            return 1

        return Job(JobSpec(NAME, "a probe", Every(every)), work)


@dataclass
class Node:
    services: Services
    runner: JobRunner
    database: Database
    owner: Principal


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    backend = str(request.param)
    if backend == "postgresql":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.sqlite3'}"
    database = Database(url)
    await prepare_database(database, upgrade=True)
    await database.dispose()
    try:
        yield url
    finally:
        if backend == "postgresql":
            await drop_postgres_database(url)


@contextlib.asynccontextmanager
async def nodes(
    url: str,
    tmp_path: Path,
    probe: Probe,
    *,
    ttl: float = 30.0,
    every: float = 0.2,
    poll: float | None = None,
) -> AsyncIterator[tuple[Node, Node]]:
    """Two runners; with ``poll`` they schedule by themselves, else the test calls tick()."""
    settings = Settings(data_dir=tmp_path, database_url=url)
    # Two PostgreSQL nodes have a pool each; SQLite serves one process, whose units of work
    # share one database object (and its writer's lock), as they would in production.
    first = Database(url)
    second = first if first.is_sqlite else Database(url)
    made = []
    for name, database in (("node-a", first), ("node-b", second)):
        services = build_services(settings, database)
        runner = JobRunner(
            services.jobs,
            [probe.job(name, every)],
            node=name,
            lease_ttl=ttl,
            schedule=poll is not None,
            poll=poll or 1.0,
        )
        organization = await services.organizations.ensure("Jobs")
        assert organization.id is not None
        await runner.start()
        made.append(Node(services, runner, database, Principal.system(organization.id, "tests")))
    try:
        yield made[0], made[1]
    finally:
        probe.gate.set()
        for node in made:
            await node.runner.stop()
            await node.services.close()
        for database in {id(first): first, id(second): second}.values():
            await database.dispose()


async def runs(node: Node) -> list[JobRun]:
    """The probe's runs, oldest first."""
    page = await node.services.jobs.runs(node.owner, NAME, PageRequest(limit=500))
    return list(reversed(page.items))


async def began(probe: Probe, count: int) -> None:
    async def check() -> bool:
        return len(probe.started) >= count

    await eventually(check)


async def ended(node: Node) -> bool:
    return all(run.done for run in await runs(node))


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "never happened"
        await asyncio.sleep(0.05)


async def test_of_two_nodes_only_one_runs_a_due_job(database_url: str, tmp_path: Path) -> None:
    probe = Probe()
    async with nodes(database_url, tmp_path, probe) as (a, b):
        # Both look at once, many times, while the run goes on: one of them began it.
        for _ in range(5):
            await asyncio.gather(a.runner.tick(), b.runner.tick())
        await began(probe, 1)
        assert len(probe.started) == 1
        [run] = await runs(a)
        assert (run.status, run.trigger, run.node) == (
            RunStatus.RUNNING,
            Trigger.SCHEDULE,
            probe.started[0],
        )
        [view] = await a.services.jobs.list(a.owner)
        assert (view.status, view.running_on) == ("running", probe.started[0])
        # Asked for by someone meanwhile, on either node: refused, nothing recorded.
        for node in (a, b):
            with pytest.raises(Conflict):
                await node.services.jobs.run_now(a.owner, NAME, "tests")
        probe.gate.set()
        await eventually(lambda: ended(a))
        [run] = await runs(a)
        assert (run.status, run.items) == (RunStatus.SUCCEEDED, 1)
        [view] = await b.services.jobs.list(a.owner)
        assert view.status == "scheduled"
        assert view.next_run_at is not None
        assert run.finished_at is not None
        assert view.next_run_at >= run.finished_at


async def test_scheduled_runs_never_overlap_across_nodes(database_url: str, tmp_path: Path) -> None:
    """Both nodes schedule the job every 0.1 s for two seconds: runs follow one another, never
    two at once, whichever node took each."""
    probe = Probe(hold=0.15)
    probe.gate.set()
    async with nodes(database_url, tmp_path, probe, every=0.1, poll=0.02) as (a, _):
        await asyncio.sleep(2.0)
        recorded = await runs(a)
    assert probe.most == 1
    done = [run for run in recorded if run.done]
    assert len(done) >= 4
    assert len(recorded) - len(done) <= 1  # the one going on when the test looked
    assert all(run.status is RunStatus.SUCCEEDED for run in done)
    for earlier, later in pairwise(recorded):
        assert earlier.finished_at is not None
        assert later.started_at >= earlier.finished_at


async def test_a_run_whose_node_stopped_renewing_is_failed_and_the_job_runs_again(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe()
    async with nodes(database_url, tmp_path, probe, ttl=1.0) as (a, b):
        await a.runner.tick()
        await began(probe, 1)
        assert probe.started == ["node-a"]
        # Node a hangs (or dies): its lease is no longer renewed, its run never reports.
        keeper = next(t for t in asyncio.all_tasks() if t.get_name() == f"job-{NAME}-lease")
        keeper.cancel()
        await b.runner.tick()
        assert probe.started == ["node-a"]  # the lease still holds
        await asyncio.sleep(1.1)
        await b.runner.tick()  # the lease ran out: reaped
        [dead] = await runs(b)
        assert dead.status is RunStatus.FAILED
        assert "node node-a stopped before the run finished" in dead.detail
        await b.runner.tick()  # due again, from when the dead run began
        await began(probe, 2)
        assert probe.started == ["node-a", "node-b"]
        dead, alive = await runs(b)
        assert (alive.node, alive.status) == ("node-b", RunStatus.RUNNING)
        # Node a wakes up and finishes late: the failure recorded for it stands.
        probe.gate.set()
        await eventually(lambda: ended(b))
        dead, alive = await runs(b)
        assert dead.status is RunStatus.FAILED
        assert alive.status is RunStatus.SUCCEEDED


async def test_a_run_asked_for_runs_here_and_leaves_the_schedule(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe()
    probe.gate.set()
    async with nodes(database_url, tmp_path, probe, every=3600) as (a, b):
        [before] = await b.services.jobs.list(a.owner)
        run = await b.services.jobs.run_now(a.owner, NAME, "api:tests", wait=10)
        assert (run.status, run.node, run.trigger) == (
            RunStatus.SUCCEEDED,
            "node-b",
            Trigger.MANUAL,
        )
        assert run.requested_by == "api:tests"
        [after] = await a.services.jobs.list(a.owner)
        assert after.next_run_at == before.next_run_at
        with pytest.raises(NotFound):
            await a.services.jobs.run_now(a.owner, "no-such-job", "api:tests")
        assert probe.started == ["node-b"]


async def test_a_run_cut_short_by_a_shutdown_is_due_again_at_once(
    database_url: str, tmp_path: Path
) -> None:
    probe = Probe()
    async with nodes(database_url, tmp_path, probe, every=3600) as (a, b):
        await a.runner.tick()
        await began(probe, 1)
        await a.runner.stop()  # node a shuts down while its run goes on
        [stopped] = await runs(b)
        assert stopped.status is RunStatus.FAILED
        assert stopped.detail == "stopped: the node shut down during the run"
        # Not an hour later: node b takes the job up now.
        await b.runner.tick()
        await began(probe, 2)
        assert probe.started == ["node-a", "node-b"]
