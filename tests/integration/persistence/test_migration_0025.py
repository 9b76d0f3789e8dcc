"""Migration 0025 on SQLite and PostgreSQL: a site's load settings gain their strategy (equal
share, as before) and token groups their load priority (0), the rows that were there kept; the
way down takes both columns away again."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.loads import site_loads
from kilowatt.persistence.models.organizations import organizations, sites
from kilowatt.persistence.models.tokens import token_groups
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases


def _columns(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


async def _has(db: Database, table: str, column: str) -> bool:
    async with db.engine.connect() as connection:
        return column in await connection.run_sync(_columns, table)


async def test_strategy_and_load_priority_come_with_their_defaults_and_go(
    database: Database,
) -> None:
    db = database
    await _step(db, "0024")
    assert not await _has(db, "site_loads", "strategy")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Strategies", created_at=NOW)
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
        await insert_row(
            connection,
            token_groups,
            organization_id=org,
            name="Fleet",
            kind="fleet",
            description="",
            created_at=NOW,
            updated_at=NOW,
        )

    await _step(db, "0025")
    assert [tuple(r) for r in await _rows(db, "SELECT site_id, strategy FROM site_loads")] == [
        (site, "equal_share")
    ]
    assert [tuple(r) for r in await _rows(db, "SELECT name, load_priority FROM token_groups")] == [
        ("Fleet", 0)
    ]

    await _step(db, "0024", down=True)
    assert not await _has(db, "site_loads", "strategy")
    assert not await _has(db, "token_groups", "load_priority")
    kept = await _rows(db, "SELECT site_id, enabled FROM site_loads")
    assert [(r[0], bool(r[1])) for r in kept] == [(site, True)]
