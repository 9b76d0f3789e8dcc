"""Migration 0027 on SQLite and PostgreSQL: a site's load settings gain their meter station
(none), when their meter was found silent (never) and their time-of-use caps (none), the rows
that were there kept; the way down takes the columns away again."""

from __future__ import annotations

from kilowatt.persistence.db import Database
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import has_column, site_load_row, site_row

__all__ = ["database"]  # the fixture, over both databases


async def test_meter_station_silence_and_caps_come_empty_and_go(database: Database) -> None:
    db = database
    await _step(db, "0026")
    assert not await has_column(db, "site_loads", "meter_station")
    async with db.engine.begin() as connection:
        org, site = await site_row(connection, "Meters", NOW)
        await site_load_row(connection, org, site, NOW, strategy="equal_share")

    await _step(db, "0027")
    rows = await _rows(db, "SELECT site_id, meter_station, meter_silent_since FROM site_loads")
    assert [tuple(r) for r in rows] == [(site, "", None)]
    caps = await _rows(db, "SELECT caps FROM site_loads")
    assert [r[0] in ("[]", []) for r in caps] == [True]

    await _step(db, "0026", down=True)
    assert not await has_column(db, "site_loads", "meter_station")
    assert not await has_column(db, "site_loads", "meter_silent_since")
    assert not await has_column(db, "site_loads", "caps")
    kept = await _rows(db, "SELECT site_id, strategy FROM site_loads")
    assert [tuple(r) for r in kept] == [(site, "equal_share")]
