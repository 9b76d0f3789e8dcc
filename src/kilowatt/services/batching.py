"""Group commit: many callers, one database transaction, each answered after the commit.

Under load, work arriving while a batch is being committed waits and goes into the next
batch; with no load a lone item is processed at once, so nothing waits for a timer. When items
arrive faster than ``linger`` apart (a moving average of the gaps between them), the worker
waits ``linger`` for more before it takes a batch (unless a full batch is already waiting):
a transaction costs about the same for one item as for twenty, so at a few hundred items a
second this is most of the saving, for a few milliseconds of latency. If a batch fails, its
items are retried one by one, so that one bad item fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Arrivals:
    """Whether items arrive quicker than ``linger`` apart: a moving average of the gaps between
    arrivals, each gap counted at most four times ``linger``, so that a few quick arrivals
    after a quiet spell are enough to say the arrivals are quick again. Shared by the group
    commits (here and persistence/group_unit_of_work.py)."""

    def __init__(self, linger: float) -> None:
        self.linger = linger
        self._average = 4 * linger
        self._last = 0.0

    def note(self) -> None:
        now = time.monotonic()
        if self._last:
            gap = min(now - self._last, 4 * self.linger)
            self._average = 0.5 * self._average + 0.5 * gap
        self._last = now

    @property
    def quick(self) -> bool:
        return self._average < self.linger


class GroupCommit(Generic[T]):
    def __init__(
        self,
        process: Callable[[list[T]], Awaitable[None]],
        *,
        max_batch: int = 200,
        linger: float = 0.0,
    ) -> None:
        self._process = process
        self._max_batch = max_batch
        self._linger = linger
        self._arrivals = Arrivals(linger)
        self._queue: deque[tuple[T, asyncio.Future[None]]] = deque()
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        """Set when a full batch is waiting: the linger ends at once."""
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Return once ``item`` is committed; raise what its processing raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._linger:
            self._arrivals.note()
        self._queue.append((item, future))
        self._wake.set()
        if len(self._queue) >= self._max_batch:
            self._full.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="group-commit")
        await future

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while self._queue:
            _, future = self._queue.popleft()
            future.cancel()

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
            if self._linger and len(self._queue) < self._max_batch and self._arrivals.quick:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._linger):
                        await self._full.wait()
            batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
            try:
                await self._process([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as error:
                if len(batch) == 1:
                    _, future = batch[0]
                    if not future.done():
                        future.set_exception(error)
                else:
                    await self._one_by_one(batch)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _one_by_one(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        for item, future in batch:
            try:
                await self._process([item])
            except Exception as error:
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(None)
