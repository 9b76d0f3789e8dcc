"""Units of work sharing one transaction (persistence/group_unit_of_work.py), on SQLite and
PostgreSQL: those that arrive together commit once, each returns from commit() only after
that COMMIT, one that fails alone leaves the others kept, and a COMMIT that fails fails every
member (none is told its work was kept)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from kilowatt.domain.errors import Conflict
from kilowatt.domain.organizations import Organization
from kilowatt.persistence.db import Database
from kilowatt.persistence.group_unit_of_work import GroupedUnitOfWorkFactory
from kilowatt.persistence.unit_of_work import SqlUnitOfWorkFactory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Commits:
    """COMMITs on the engine, counted by a SQLAlchemy listener; ``fail_next`` makes the next
    one raise before it reaches the database (a failed COMMIT)."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self.fail_next = False
        event.listen(database.engine.sync_engine, "commit", self._commit)

    def _commit(self, _connection: Any) -> None:
        self.count += 1
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the disk is full")


async def names(database: Database) -> set[str]:
    async with SqlUnitOfWorkFactory(database)(readonly=True) as uow:
        found = {await uow.organizations.get(n) for n in range(1, 500)}
    return {o.name for o in found if o is not None}


async def add(factory: GroupedUnitOfWorkFactory, name: str, order: list[str]) -> str:
    async with factory() as uow:
        await uow.organizations.add(Organization(name=name, created_at=NOW))
        await asyncio.sleep(0)  # let the others join while this one works
        await uow.commit()
    order.append(name)
    return name


async def test_together_they_commit_once_and_return_after_it(database: Database) -> None:
    commits = Commits(database)
    # A long window: on a loaded machine opening the first connection can outlast 10 ms.
    factory = GroupedUnitOfWorkFactory(database, window=60.0)
    order: list[str] = []
    done = await asyncio.gather(*(add(factory, f"org-{n}", order) for n in range(40)))
    assert sorted(done) == sorted(f"org-{n}" for n in range(40))
    assert {f"org-{n}" for n in range(40)} <= await names(database)
    assert factory.members == 40
    assert factory.batches < 10, factory.batches
    assert commits.count == factory.batches


async def test_a_lone_unit_of_work_commits_at_once(database: Database) -> None:
    factory = GroupedUnitOfWorkFactory(database, window=60.0)
    order: list[str] = []
    await asyncio.wait_for(add(factory, "alone", order), 5)
    assert "alone" in await names(database)


async def test_under_load_a_batch_waits_a_little_for_more_members(database: Database) -> None:
    """Units of work a few milliseconds apart: the last member of a batch to finish waits until
    the batch is ``linger`` old, so that those arriving meanwhile share its COMMIT. (A long
    linger, so that a slow machine cannot make the batches any bigger than the wait does.)"""
    lingering = GroupedUnitOfWorkFactory(database, window=2.0, linger=0.5)
    waits: list[float] = []
    finish_later = lingering.finish_later

    def spied(batch: Any, wait: float) -> None:
        waits.append(wait)
        finish_later(batch, wait)

    lingering.finish_later = spied  # type: ignore[method-assign]
    pending = []
    for n in range(20):
        pending.append(asyncio.create_task(add(lingering, f"lingering-{n}", [])))
        await asyncio.sleep(0.003)
    await asyncio.wait_for(asyncio.gather(*pending), 30)
    assert {f"lingering-{n}" for n in range(20)} <= await names(database)
    assert waits, "no batch waited"
    # The first two or three commit alone: arrivals count as quick after a few of them.
    assert lingering.batches <= 6, lingering.batches


async def test_a_member_cancelled_while_its_batch_waits_is_still_committed(
    database: Database,
) -> None:
    """The station's task is cancelled (its connection was replaced) after its commit() was
    called: the batch commits all the same, and the connection goes back to the pool."""
    factory = GroupedUnitOfWorkFactory(database, window=1.0, linger=0.2)
    factory.busy = lambda: True  # type: ignore[method-assign]
    first = asyncio.create_task(add(factory, "kept-though-cancelled", []))
    await asyncio.sleep(0.05)  # it has finished its work; the batch waits for company
    assert not first.done()
    first.cancel()
    await asyncio.sleep(0.3)
    assert "kept-though-cancelled" in await names(database)
    assert database.gate is None or not database.gate.locked()


async def test_one_that_fails_alone_leaves_the_others_kept(database: Database) -> None:
    factory = GroupedUnitOfWorkFactory(database, window=60.0)

    async def refused() -> None:
        async with factory() as uow:
            await uow.organizations.add(Organization(name="refused", created_at=NOW))
            await asyncio.sleep(0)
            raise ValueError("refused")

    async def duplicate() -> None:
        async with factory() as uow:
            await uow.organizations.add(Organization(name="kept-0", created_at=NOW))
            await uow.commit()

    order: list[str] = []
    results = await asyncio.gather(
        add(factory, "kept-0", order),
        refused(),
        add(factory, "kept-1", order),
        duplicate(),
        add(factory, "kept-2", order),
        return_exceptions=True,
    )
    assert results[0] == "kept-0"
    assert isinstance(results[1], ValueError)
    assert results[2] == "kept-1"
    assert isinstance(results[3], Conflict)  # organization names are unique
    assert results[4] == "kept-2"
    kept = await names(database)
    assert {"kept-0", "kept-1", "kept-2"} <= kept
    assert "refused" not in kept


async def test_a_failed_commit_fails_every_member_and_keeps_nothing(database: Database) -> None:
    commits = Commits(database)
    factory = GroupedUnitOfWorkFactory(database, window=60.0)
    commits.fail_next = True
    order: list[str] = []
    results = await asyncio.gather(
        *(add(factory, f"lost-{n}", order) for n in range(5)), return_exceptions=True
    )
    assert factory.batches == 1
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert order == []  # nobody went on as if committed
    assert not {f"lost-{n}" for n in range(5)} & await names(database)
    # The next batch works as usual.
    assert await add(factory, "after", order) == "after"
    assert "after" in await names(database)


async def test_nested_and_readonly_units_of_work_are_ordinary(database: Database) -> None:
    factory = GroupedUnitOfWorkFactory(database)
    async with factory(readonly=True) as reader:
        assert await reader.organizations.get(10_000) is None
    if database.is_sqlite:
        return  # one writer at a time: a nested writer would wait for its outer one
    async with factory() as outer:
        await outer.organizations.add(Organization(name="outer", created_at=NOW))
        async with factory() as inner:
            await inner.organizations.add(Organization(name="inner", created_at=NOW))
            await inner.commit()
        await outer.commit()
    assert {"outer", "inner"} <= await names(database)
