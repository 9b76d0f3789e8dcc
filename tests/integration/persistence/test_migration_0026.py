"""Migration 0026 on SQLite and PostgreSQL: a site's load settings gain their failsafe current
(6 A), the stations a table of what load management knows of their profiles (a row goes with
its station); the way down takes both away, the rows that were there kept."""

from __future__ import annotations

from sqlalchemy import inspect, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.load_failsafe import station_load_profiles
from kilowatt.persistence.models.stations import stations
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import has_column, insert_row, site_load_row, site_row

__all__ = ["database"]  # the fixture, over both databases


async def test_the_failsafe_current_and_the_stations_profiles_come_and_go(
    database: Database,
) -> None:
    db = database
    await _step(db, "0025")
    assert not await has_column(db, "site_loads", "failsafe_current_a")
    async with db.engine.begin() as connection:
        org, site = await site_row(connection, "Failsafe", NOW)
        await site_load_row(connection, org, site, NOW)
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            site_id=site,
            ocpp_id="CP-0026",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )

    await _step(db, "0026")
    assert [
        tuple(r) for r in await _rows(db, "SELECT site_id, failsafe_current_a FROM site_loads")
    ] == [(site, 6.0)]
    async with db.engine.begin() as connection:
        await insert_row(
            connection,
            station_load_profiles,
            station_id=station,
            default_limit_a=6.0,
            refused_answer="",
            updated_at=NOW,
        )
        await connection.execute(text("DELETE FROM stations WHERE id = :id"), {"id": station})
    assert await _rows(db, "SELECT station_id FROM station_load_profiles") == []

    await _step(db, "0025", down=True)
    assert not await has_column(db, "site_loads", "failsafe_current_a")
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "station_load_profiles" not in tables
    kept = await _rows(db, "SELECT site_id, enabled FROM site_loads")
    assert [(r[0], bool(r[1])) for r in kept] == [(site, True)]
