"""Migration 0027 on SQLite and PostgreSQL: a site's load settings gain their meter station
(none), when their meter was found silent (never) and their time-of-use caps (none), the rows
that were there kept; the way down takes the columns away again."""

from __future__ import annotations

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.loads import site_loads
from kilowatt.persistence.models.organizations import organizations, sites
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.integration.persistence.test_migration_0025 import _has
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases


async def test_meter_station_silence_and_caps_come_empty_and_go(database: Database) -> None:
    db = database
    await _step(db, "0026")
    assert not await _has(db, "site_loads", "meter_station")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Meters", created_at=NOW)
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
            strategy="equal_share",
            state="normal",
            load_source="",
            updated_at=NOW,
        )

    await _step(db, "0027")
    rows = await _rows(db, "SELECT site_id, meter_station, meter_silent_since FROM site_loads")
    assert [tuple(r) for r in rows] == [(site, "", None)]
    caps = await _rows(db, "SELECT caps FROM site_loads")
    assert [r[0] in ("[]", []) for r in caps] == [True]

    await _step(db, "0026", down=True)
    assert not await _has(db, "site_loads", "meter_station")
    assert not await _has(db, "site_loads", "meter_silent_since")
    assert not await _has(db, "site_loads", "caps")
    kept = await _rows(db, "SELECT site_id, strategy FROM site_loads")
    assert [tuple(r) for r in kept] == [(site, "equal_share")]
