"""Migration 0025 on SQLite and PostgreSQL: a site's load settings gain their strategy (equal
share, as before) and token groups their load priority (0), the rows that were there kept; the
way down takes both columns away again."""

from __future__ import annotations

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.tokens import token_groups
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import has_column, insert_row, site_load_row, site_row

__all__ = ["database"]  # the fixture, over both databases


async def test_strategy_and_load_priority_come_with_their_defaults_and_go(
    database: Database,
) -> None:
    db = database
    await _step(db, "0024")
    assert not await has_column(db, "site_loads", "strategy")
    async with db.engine.begin() as connection:
        org, site = await site_row(connection, "Strategies", NOW)
        await site_load_row(connection, org, site, NOW)
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
    assert not await has_column(db, "site_loads", "strategy")
    assert not await has_column(db, "token_groups", "load_priority")
    kept = await _rows(db, "SELECT site_id, enabled FROM site_loads")
    assert [(r[0], bool(r[1])) for r in kept] == [(site, True)]
