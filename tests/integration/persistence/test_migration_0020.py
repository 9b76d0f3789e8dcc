"""Migration 0020 on SQLite and PostgreSQL: load management's tables come (their rows go with
their site) and go again, leaving the sites and transactions as they were."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.loads import session_loads, site_loads
from kilowatt.persistence.models.organizations import organizations, sites
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

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
        org = await insert_row(connection, organizations, name="Loads", created_at=NOW)
        site = await insert_row(
            connection,
            sites,
            organization_id=org,
            name="Depot",
            timezone="UTC",
            grid_capacity_w=100_000,
            created_at=NOW,
            updated_at=NOW,
        )
    await _step(db, "0020")
    assert await _tables(db) >= TABLES
    async with db.engine.begin() as connection:
        await insert_row(
            connection,
            site_loads,
            site_id=site,
            organization_id=org,
            enabled=True,
            half_at_pct=50,
            hold_at_pct=80,
            hysteresis_pct=5,
            voltage=230,
            min_current_a=6.0,
            reserve_pct=2,
            fallback_load_w=0,
            reading_max_age_s=300,
            meter_topic="kilowatt/meters/depot",
            state="hold",
            load_source="mqtt",
            updated_at=NOW,
        )
    rows = await _rows(db, "SELECT site_id, state, meter_topic FROM site_loads")
    assert [tuple(r) for r in rows] == [(site, "hold", "kilowatt/meters/depot")]
    assert session_loads.name in await _tables(db)

    await _step(db, "0016", down=True)
    assert not TABLES & await _tables(db)
    kept = await _rows(db, "SELECT id, name, grid_capacity_w FROM sites")
    assert [tuple(r) for r in kept] == [(site, "Depot", 100_000)]
