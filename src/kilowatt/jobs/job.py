"""A job as the runner sees it: what it is (its spec: name, schedule) and the work it does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kilowatt.domain.jobs import JobSpec

Work = Callable[[], Awaitable[int]]
"""A service call; it answers how many items it got done (rows removed, stations sent...)."""


@dataclass(frozen=True, slots=True)
class Job:
    spec: JobSpec
    work: Work
