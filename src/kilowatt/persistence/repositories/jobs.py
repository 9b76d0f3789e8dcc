"""Jobs' leases and runs. A lease is taken, renewed and given back by conditional UPDATEs, so
that of several nodes trying at once exactly one succeeds, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select, update

from kilowatt.domain.jobs import JobRun, JobState, RunStatus
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.persistence.models.jobs import job_runs, jobs
from kilowatt.persistence.repositories.base import Repository, page_of


def _changed(result: Any) -> bool:
    assert isinstance(result, CursorResult)
    return bool(result.rowcount == 1)


class SqlJobRepository(Repository):
    async def states(self) -> list[JobState]:
        query = select(JobState).order_by(jobs.c.name).execution_options(populate_existing=True)
        return list((await self.session.execute(query)).scalars())

    async def get(self, name: str) -> JobState | None:
        query = (
            select(JobState).where(jobs.c.name == name).execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, state: JobState) -> JobState:
        return await self._add(state)

    async def take(self, name: str, node: str, now: datetime, until: datetime) -> bool:
        # The same rule as domain.jobs.lease_free, in one statement: the database decides.
        statement = (
            update(jobs)
            .where(
                jobs.c.name == name,
                or_(
                    jobs.c.holder.is_(None), jobs.c.lease_until.is_(None), jobs.c.lease_until <= now
                ),
            )
            .values(holder=node, lease_until=until, run_id=None)
        )
        return _changed(await self.session.execute(statement))

    async def renew(self, name: str, node: str, until: datetime) -> bool:
        statement = (
            update(jobs).where(jobs.c.name == name, jobs.c.holder == node).values(lease_until=until)
        )
        return _changed(await self.session.execute(statement))

    async def release(self, name: str, node: str, next_run_at: datetime | None) -> None:
        await self.session.execute(
            update(jobs)
            .where(jobs.c.name == name, jobs.c.holder == node)
            .values(holder=None, lease_until=None, run_id=None, next_run_at=next_run_at)
        )

    async def clear_lapsed(self, name: str, now: datetime, next_run_at: datetime | None) -> bool:
        statement = (
            update(jobs)
            .where(jobs.c.name == name, jobs.c.holder.is_not(None), jobs.c.lease_until <= now)
            .values(holder=None, lease_until=None, run_id=None, next_run_at=next_run_at)
        )
        return _changed(await self.session.execute(statement))

    async def reschedule(self, name: str, next_run_at: datetime | None) -> None:
        await self.session.execute(
            update(jobs).where(jobs.c.name == name).values(next_run_at=next_run_at)
        )

    async def add_run(self, run: JobRun) -> JobRun:
        await self._add(run)
        await self.session.execute(update(jobs).where(jobs.c.name == run.job).values(run_id=run.id))
        return run

    async def get_run(self, run_id: int) -> JobRun | None:
        query = (
            select(JobRun).where(job_runs.c.id == run_id).execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def running(self, name: str) -> list[JobRun]:
        query = select(JobRun).where(job_runs.c.job == name, job_runs.c.status == RunStatus.RUNNING)
        return list((await self.session.execute(query)).scalars())

    async def last_runs(self) -> dict[str, JobRun]:
        newest = select(func.max(job_runs.c.id)).group_by(job_runs.c.job).scalar_subquery()
        query = select(JobRun).where(job_runs.c.id.in_(newest))
        return {run.job: run for run in (await self.session.execute(query)).scalars()}

    async def runs(self, name: str, page: PageRequest) -> Page[JobRun]:
        query = select(JobRun).where(job_runs.c.job == name)
        return await page_of(self.session, query, job_runs.c.id, page, newest_first=True)

    async def prune_runs(self, name: str, keep: int) -> int:
        oldest_kept = (
            select(job_runs.c.id)
            .where(job_runs.c.job == name)
            .order_by(job_runs.c.id.desc())
            .offset(keep - 1)
            .limit(1)
            .scalar_subquery()
        )
        result = await self.session.execute(
            delete(job_runs).where(job_runs.c.job == name, job_runs.c.id < oldest_kept)
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)
