"""Units of work that share one database transaction: group commit for the OCPP hot path.

A station message that writes (a StatusNotification, a StartTransaction...) used to be one
database transaction of its own: pool checkout, BEGIN, its statements, COMMIT (a WAL flush),
each message paying for all of it. Here the writing units of work that arrive together join
one *batch*: they run one after the other in the batch's session, each after the first
inside a SAVEPOINT of its own (the first has the transaction to itself), and the batch
commits once when the last of them has finished. ``commit()`` of each
unit of work returns only once the batch's COMMIT has succeeded, so the station is still
answered after its data is committed (ack after commit). When the COMMIT fails, every unit of
work of the batch raises from ``commit()`` (the stations get InternalError and send again):
nothing was answered as done that was not kept. A unit of work that fails alone (a conflict,
a refusal) rolls back to its savepoint and the others of its batch are not touched.

Without load a lone unit of work commits at once: nothing waits for a timer. Under load (units
of work arriving less than ``linger`` apart, on a moving average) the last member to finish
waits until the batch is ``linger`` old for others to join before it commits: a COMMIT costs
about the same for one member as for ten. A batch takes no new members once it holds
``max_members`` or is ``window`` seconds old; later ones start the next batch (on PostgreSQL
on another connection at the same time; on SQLite after it, behind the one writer lock). A
station sends its next CALL only after the answer, so the order of each station's writes is
kept. A unit of work opened while the same task is inside a batch
(a nested one) is an ordinary unit of work of its own, as before. Read-only ones are
ordinary too: they never wait for writers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from kilowatt.domain.errors import Conflict
from kilowatt.persistence.db import Database
from kilowatt.persistence.unit_of_work import SqlUnitOfWork
from kilowatt.services.batching import Arrivals

_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("in_batch", default=False)


class _Batch:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.started = time.monotonic()
        self.members = 0
        self.pending = 0
        self.open = True
        self.turn = asyncio.Lock()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.session: AsyncSession | None = None
        self.kept = 0
        """Members whose work is in the transaction (from then on, each needs a savepoint)."""
        self.finishing = False
        self._locked = False
        self._gated = False

    async def ensure_session(self) -> AsyncSession:
        if self.session is None:
            lock = self.database.write_lock
            if lock is not None:
                await lock.acquire()
                self._locked = True
            gate = self.database.gate
            if gate is not None:
                await gate.acquire()
                self._gated = True
            self.session = self.database.session()
        return self.session

    async def finish(self) -> None:
        """Commit what the members kept and tell them; release the connection."""
        try:
            if self.session is not None:
                await self.session.commit()
        except BaseException as error:
            # Whatever the connection holds is not to be trusted: drop it (the server rolls
            # back a transaction whose connection is gone) instead of returning it to the pool.
            if self.session is not None:
                with contextlib.suppress(Exception):
                    await self.session.invalidate()
                self.session = None
            if not self.done.done():
                self.done.set_exception(_failed(error))
                # Retrieved by the members; mark it so no "never retrieved" warning is logged
                # when a batch had no member waiting any more.
                self.done.exception()
            if not isinstance(error, Exception):
                raise
        else:
            if not self.done.done():
                self.done.set_result(None)
        finally:
            try:
                if self.session is not None:
                    await self.session.close()
            finally:
                self._release()

    def _release(self) -> None:
        if self._gated and self.database.gate is not None:
            self.database.gate.release()
            self._gated = False
        if self._locked and self.database.write_lock is not None:
            self.database.write_lock.release()
            self._locked = False


def _failed(error: BaseException) -> Exception:
    if isinstance(error, IntegrityError):
        return Conflict(f"conflicts with an existing record: {error.orig}")
    if isinstance(error, Exception):
        return error
    return RuntimeError("the shared transaction was cancelled")


class GroupedUnitOfWork(SqlUnitOfWork):
    def __init__(self, factory: GroupedUnitOfWorkFactory) -> None:
        super().__init__(factory.database)
        self._factory = factory
        self._batch: _Batch | None = None
        self._savepoint: AsyncSessionTransaction | None = None
        self._holding = False
        self._finished = False
        self._token: contextvars.Token[bool] | None = None

    async def __aenter__(self) -> Self:
        batch = self._factory.join()
        self._batch = batch
        try:
            await batch.turn.acquire()
        except BaseException:
            await self._end(rollback=False)
            raise
        self._holding = True
        self._token = _inside.set(True)
        try:
            self.session = await batch.ensure_session()
            if batch.kept:
                self._savepoint = await self.session.begin_nested()
            # else: the first to work in this transaction needs no savepoint (two statements
            # less): should it fail, the whole transaction, its alone, is rolled back.
        except BaseException:
            await self._end(rollback=False)
            raise
        return self

    async def commit(self) -> None:
        assert self._batch is not None
        try:
            # Flushed inside the savepoint, so that a failing statement rolls back to it.
            await self.session.flush()
            if self._savepoint is not None:
                await self._savepoint.commit()
        except IntegrityError as error:
            await self._end(rollback=True)
            raise Conflict(f"conflicts with an existing record: {error.orig}") from error
        except BaseException:
            await self._end(rollback=True)
            raise
        batch = self._batch
        batch.kept += 1
        await self._end(rollback=False)
        # Answered only once the whole batch is committed.
        await asyncio.shield(batch.done)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._finished:
            await self._end(rollback=True)

    async def _end(self, *, rollback: bool) -> None:
        """This member is done with the batch's session (its savepoint released or rolled
        back); the last member to finish commits the batch."""
        if self._finished:
            return
        self._finished = True
        try:
            savepoint = self._savepoint
            if rollback and savepoint is not None:
                # Also when a failed flush has already deactivated it: the session goes on
                # with the batch's transaction only once the savepoint is rolled back.
                with contextlib.suppress(InvalidRequestError):
                    await savepoint.rollback()
            elif rollback and self._batch is not None and self._batch.session is not None:
                # The first member, without a savepoint: nothing else is in the transaction.
                await self._batch.session.rollback()
        finally:
            if self._token is not None:
                _inside.reset(self._token)
                self._token = None
            if self._holding and self._batch is not None:
                self._batch.turn.release()
                self._holding = False
            await self._leave_and_maybe_commit()

    async def _leave_and_maybe_commit(self) -> None:
        batch = self._batch
        assert batch is not None
        batch.pending -= 1
        if batch.pending or batch.finishing:
            return
        wait = batch.started + self._factory.linger - time.monotonic()
        if (
            batch.kept
            and wait > 0
            and batch.members < self._factory.max_members
            and self._factory.busy()
        ):
            # Not in this member's task: a station whose connection is replaced meanwhile
            # has its task cancelled, and the batch must commit all the same.
            self._factory.finish_later(batch, wait)
            return
        batch.finishing = True
        self._factory.close(batch)
        await batch.finish()


class GroupedUnitOfWorkFactory:
    """Writing units of work in shared transactions (see the module docstring); read-only
    ones and nested ones are ordinary."""

    def __init__(
        self,
        database: Database,
        *,
        max_members: int = 32,
        window: float = 0.01,
        linger: float = 0.01,
    ):
        self.database = database
        self.max_members = max_members
        self.window = window
        self.linger = min(linger, window)
        self._current: _Batch | None = None
        self.batches = 0
        self.members = 0
        self._arrivals = Arrivals(self.linger)
        self._lingering: set[asyncio.Task[None]] = set()

    def finish_later(self, batch: _Batch, wait: float) -> None:
        """Commit ``batch`` in ``wait`` seconds unless a member that joined meanwhile is
        still at work then (that member commits it when it is done)."""

        async def finish() -> None:
            await asyncio.sleep(wait)
            if batch.pending or batch.finishing:
                return
            batch.finishing = True
            self.close(batch)
            await batch.finish()

        task = asyncio.get_running_loop().create_task(finish(), name="group-commit-linger")
        self._lingering.add(task)
        task.add_done_callback(self._lingering.discard)

    def busy(self) -> bool:
        """Writing units of work arrive less than ``linger`` apart."""
        return bool(self.linger) and self._arrivals.quick

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        if readonly or _inside.get():
            return SqlUnitOfWork(self.database, readonly=readonly)
        return GroupedUnitOfWork(self)

    def join(self) -> _Batch:
        if self.linger:
            self._arrivals.note()
        batch = self._current
        if (
            batch is None
            or not batch.open
            or batch.members >= self.max_members
            or time.monotonic() - batch.started > self.window
        ):
            if batch is not None:
                batch.open = False
            batch = self._current = _Batch(self.database)
            self.batches += 1
        batch.members += 1
        batch.pending += 1
        self.members += 1
        return batch

    def close(self, batch: _Batch) -> None:
        batch.open = False
        if self._current is batch:
            self._current = None
