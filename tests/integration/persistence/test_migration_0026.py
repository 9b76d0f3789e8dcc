"""Migration 0026 on SQLite and PostgreSQL: a site's load settings gain their failsafe current
(6 A), the stations a table of what load management knows of their profiles (a row goes with
its station); the way down takes both away, the rows that were there kept."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.load_failsafe import station_load_profiles
from kilowatt.persistence.models.loads import site_loads
from kilowatt.persistence.models.organizations import organizations, sites
from kilowatt.persistence.models.stations import stations
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases


def _columns(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


async def _has(db: Database, table: str, column: str) -> bool:
    async with db.engine.connect() as connection:
        return column in await connection.run_sync(_columns, table)


async def test_the_failsafe_current_and_the_stations_profiles_come_and_go(
    database: Database,
) -> None:
    db = database
    await _step(db, "0025")
    assert not await _has(db, "site_loads", "failsafe_current_a")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Failsafe", created_at=NOW)
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
            meter_topic="",
            state="normal",
            load_source="",
            updated_at=NOW,
        )
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
    assert not await _has(db, "site_loads", "failsafe_current_a")
    async with db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "station_load_profiles" not in tables
    kept = await _rows(db, "SELECT site_id, enabled FROM site_loads")
    assert [(r[0], bool(r[1])) for r in kept] == [(site, True)]
