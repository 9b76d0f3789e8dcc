"""Migration 0020 on SQLite and PostgreSQL: load management's tables come (their rows go with
their site) and go again, leaving the sites and transactions as they were."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.loads import session_loads
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import site_load_row, site_row

__all__ = ["database"]  # the fixture, over both databases

TABLES = {"site_loads", "site_load_readings", "session_loads", "load_decisions"}


def _names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_names)


async def test_load_tables_come_and_go_keeping_the_sites(database: Database) -> None:
    db = database
    await _step(db, "0016")
    assert not TABLES & await _tables(db)
    async with db.engine.begin() as connection:
        org, site = await site_row(connection, "Loads", NOW)
    await _step(db, "0020")
    assert await _tables(db) >= TABLES
    async with db.engine.begin() as connection:
        await site_load_row(
            connection,
            org,
            site,
            NOW,
            meter_topic="kilowatt/meters/depot",
            state="hold",
            load_source="mqtt",
        )
    rows = await _rows(db, "SELECT site_id, state, meter_topic FROM site_loads")
    assert [tuple(r) for r in rows] == [(site, "hold", "kilowatt/meters/depot")]
    assert session_loads.name in await _tables(db)

    await _step(db, "0016", down=True)
    assert not TABLES & await _tables(db)
    kept = await _rows(db, "SELECT id, name, grid_capacity_w FROM sites")
    assert [tuple(r) for r in kept] == [(site, "Depot", 100_000)]
