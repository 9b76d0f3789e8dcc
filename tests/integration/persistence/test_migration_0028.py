"""Migration 0028 on SQLite and PostgreSQL: a site's electrical tree gets its tables (panels and
circuits with their parent, the circuit each station hangs on, the grid connection's limit per
phase), the rows that were there kept; a circuit deleted takes its children and its stations'
links with it; the way down takes the tables away and leaves the sites and stations."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.electrical_tree import circuit_stations, site_circuits
from kilowatt.persistence.models.organizations import organizations, sites
from kilowatt.persistence.models.stations import stations
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases

TABLES = {"site_circuits", "circuit_stations", "site_grid_connections"}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _has_tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return TABLES & await connection.run_sync(_tables)


async def test_the_tree_s_tables_come_cascade_and_go(database: Database) -> None:
    db = database
    await _step(db, "0027")
    assert await _has_tables(db) == set()
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Trees", created_at=NOW)
        site = await insert_row(
            connection, sites, organization_id=org, name="Depot", timezone="UTC",
            grid_capacity_w=400_000, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        station = await insert_row(
            connection, stations, organization_id=org, site_id=site, ocpp_id="CP-TREE",
            registration_status="Accepted", created_at=NOW, updated_at=NOW,
        )  # fmt: skip

    await _step(db, "0028")
    assert await _has_tables(db) == TABLES
    async with db.engine.begin() as connection:
        if db.url.startswith("sqlite"):
            await connection.execute(text("PRAGMA foreign_keys=ON"))
        panel = await insert_row(
            connection, site_circuits, site_id=site, key="P1", name="Panel",
            kind="panel", max_current_a=63.0, position=0,
        )  # fmt: skip
        bay = await insert_row(
            connection, site_circuits, site_id=site, parent_id=panel, key="C1", name="Bay",
            kind="circuit", max_current_a=16.0, max_power_w=11_000, position=1,
        )  # fmt: skip
        await insert_row(connection, circuit_stations, station_id=station, circuit_id=bay)
    rows = await _rows(db, "SELECT key, parent_id, max_current_a FROM site_circuits ORDER BY key")
    assert [tuple(r) for r in rows] == [("C1", panel, 16.0), ("P1", None, 63.0)]
    assert [tuple(r) for r in await _rows(db, "SELECT station_id FROM circuit_stations")] == [
        (station,)
    ]

    async with db.engine.begin() as connection:
        if db.url.startswith("sqlite"):
            await connection.execute(text("PRAGMA foreign_keys=ON"))
        await connection.execute(text("DELETE FROM site_circuits WHERE id = :id"), {"id": panel})
    assert await _rows(db, "SELECT id FROM site_circuits") == []
    assert await _rows(db, "SELECT station_id FROM circuit_stations") == []

    await _step(db, "0027", down=True)
    assert await _has_tables(db) == set()
    kept = await _rows(db, "SELECT ocpp_id, site_id FROM stations")
    assert [tuple(r) for r in kept] == [("CP-TREE", site)]
