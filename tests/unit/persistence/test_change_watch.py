"""Which statements empty the authorization cache (persistence/change_watch.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from kilowatt.persistence.change_watch import AUTHORIZATION_TABLES, touches, watch
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.tokens import id_tokens


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_compiled_writes_are_seen_as_their_table(dialect: object) -> None:
    blocked = str(update(id_tokens).values(status="Blocked").compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(blocked, AUTHORIZATION_TABLES)
    moved = str(update(stations).values(site_id=3).compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(moved, AUTHORIZATION_TABLES)
    seen = str(update(stations).values(last_seen_at=None).compile(dialect=dialect))  # type: ignore[arg-type]
    assert not touches(seen, AUTHORIZATION_TABLES)
    added = str(insert(stations).values(ocpp_id="X").compile(dialect=dialect))  # type: ignore[arg-type]
    assert touches(added, AUTHORIZATION_TABLES)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('INSERT INTO "id_tokens" (value) VALUES ($1)', True),
        ("DELETE FROM token_groups WHERE token_groups.id = ?", True),
        ("UPDATE access_rules SET windows=? WHERE access_rules.id = ?", True),
        ("UPDATE stations SET access=? WHERE stations.id = ?", True),
        ("UPDATE stations SET online=?, connected_node=? WHERE stations.site_id = ?", False),
        ("INSERT INTO meter_values (value) VALUES (?)", False),
        ("SELECT id_tokens.id FROM id_tokens", False),
        ("UPDATE id_tokens_archive SET x=1", False),
    ],
)
def test_statements(statement: str, expected: bool) -> None:
    assert touches(statement, AUTHORIZATION_TABLES) is expected


async def test_a_connection_invalidated_mid_transaction_still_rolls_back(tmp_path: Path) -> None:
    """A unit of work cancelled mid-statement leaves its connection invalidated; the watch's
    rollback listener must not turn that rollback into a PendingRollbackError."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'watch.sqlite3'}")
    changes: list[int] = []
    watch(engine, {"things": None}, lambda: changes.append(1))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE things (id INTEGER)"))
            await connection.commit()
            await connection.execute(text("INSERT INTO things (id) VALUES (1)"))
            await connection.invalidate()
            await connection.rollback()  # raised PendingRollbackError before the fix
        assert changes == [1]
    finally:
        await engine.dispose()


async def test_two_watches_each_hear_a_commit_of_their_own_tables(tmp_path: Path) -> None:
    """The loads' watch and the authorization cache's both see a write that concerns them
    both; one must not take the other's notice of the COMMIT."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'watches.sqlite3'}")
    first: list[int] = []
    second: list[int] = []
    watch(engine, {"things": None}, lambda: first.append(1))
    watch(engine, {"things": None, "others": None}, lambda: second.append(1))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE things (id INTEGER)"))
            await connection.execute(text("CREATE TABLE others (id INTEGER)"))
            await connection.commit()
            await connection.execute(text("INSERT INTO things (id) VALUES (1)"))
            await connection.commit()
            assert (first, second) == ([1, 1], [1, 1])  # at the statement and at the COMMIT
            await connection.execute(text("INSERT INTO others (id) VALUES (1)"))
            await connection.commit()
            assert (first, second) == ([1, 1], [1, 1, 1, 1])
    finally:
        await engine.dispose()
