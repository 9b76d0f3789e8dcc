"""Storage ports of the jobs area, and the runner the services hand a run to."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Protocol

from kilowatt.domain.jobs import JobRun, JobState
from kilowatt.domain.paging import Page, PageRequest


class JobRepository(Protocol):
    async def states(self) -> list[JobState]: ...
    async def get(self, name: str) -> JobState | None: ...
    async def add(self, state: JobState) -> JobState: ...
    async def take(self, name: str, node: str, now: datetime, until: datetime) -> bool:
        """Take the job's lease for ``node`` if it is free at ``now`` (nobody holds it, or its
        lease ran out), in one conditional statement: of several nodes trying at once, one
        gets it."""
        ...

    async def renew(self, name: str, node: str, until: datetime) -> bool:
        """Extend ``node``'s lease; False when it no longer holds it."""
        ...

    async def release(self, name: str, node: str, next_run_at: datetime | None) -> None:
        """Give the lease back (if ``node`` still holds it) and set the next run."""
        ...

    async def clear_lapsed(self, name: str, now: datetime, next_run_at: datetime | None) -> bool:
        """Free a lease that ran out at ``now`` and set the next run; False when the lease is
        held (renewed, or taken by a node meanwhile)."""
        ...

    async def reschedule(self, name: str, next_run_at: datetime | None) -> None: ...
    async def add_run(self, run: JobRun) -> JobRun: ...
    async def get_run(self, run_id: int) -> JobRun | None: ...
    async def running(self, name: str) -> list[JobRun]: ...
    async def last_runs(self) -> dict[str, JobRun]:
        """The newest run of every job that has run."""
        ...

    async def runs(self, name: str, page: PageRequest) -> Page[JobRun]: ...
    async def prune_runs(self, name: str, keep: int) -> int:
        """Remove all but the newest ``keep`` runs of the job."""
        ...


class JobLauncher(Protocol):
    """The node's job runner, as the services see it: it starts a run here, now."""

    async def launch(self, name: str, requested_by: str) -> tuple[JobRun, Awaitable[None]]:
        """Start a run of the job on this node: the run as recorded, and its end to wait for.
        Conflict when another run of it goes on (on any node); NotFound for an unknown job."""
        ...
