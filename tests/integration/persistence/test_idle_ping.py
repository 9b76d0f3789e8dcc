"""Pooled PostgreSQL connections are pinged only after they sat idle (persistence/db.py): one
whose server process went away meanwhile is replaced, unseen by the unit of work; one in
steady use costs no ping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text

from kilowatt.persistence import db as db_module
from kilowatt.persistence.db import Database
from kilowatt.persistence.unit_of_work import SqlUnitOfWorkFactory


def pings(database: Database) -> list[int]:
    """Counts the dialect's pings on this engine (SQLAlchemy calls ``do_ping`` for both its
    own pre-ping and ours)."""
    seen: list[int] = []
    dialect = database.engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        seen.append(1)
        return original(dbapi_connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    return seen


async def backend_pid(uow_factory: SqlUnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int((await uow.session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_an_idle_connection_whose_server_went_away_is_replaced(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.is_sqlite:
        pytest.skip("an embedded database has no server to lose")
    units = SqlUnitOfWorkFactory(database)
    first = await backend_pid(units)
    outsider = Database(database.url, pool_size=1)  # an administrator, elsewhere
    try:
        async with outsider.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        await outsider.dispose()
    await asyncio.sleep(db_module.IDLE_PING_SECONDS + 0.2)
    # The pool still holds the dead connection; it is pinged, found gone and replaced.
    assert await backend_pid(units) != first


async def test_a_connection_in_steady_use_is_not_pinged(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite connections are not pinged")
    units = SqlUnitOfWorkFactory(database)
    seen = pings(database)
    statements: list[str] = []
    event.listen(
        database.engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    for _ in range(20):
        await backend_pid(units)
    assert len(statements) == 20
    assert seen == []
    await asyncio.sleep(db_module.IDLE_PING_SECONDS + 0.2)
    await backend_pid(units)
    assert seen == [1]
