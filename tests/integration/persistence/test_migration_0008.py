"""Migration 0008 on SQLite (foreign keys on, as Kilowatt runs it) and PostgreSQL: the
free-text group id of tokens becomes token groups, nothing that pointed at a token loses it,
and the way down gives the text back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.migrate import alembic_config
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.transactions import transactions
from tests.support.migrations import insert_row
from tests.support.server import create_postgres_database, drop_postgres_database

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _migrate(connection: Connection, url: str, revision: str, down: bool = False) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgresql":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'migration.sqlite3'}"
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()
        if request.param == "postgresql":
            await drop_postgres_database(url)


async def _step(db: Database, revision: str, down: bool = False) -> None:
    async with db.engine.connect() as connection:
        await connection.run_sync(_migrate, db.url, revision, down)
        await connection.commit()


async def _rows(db: Database, sql: str) -> list[Any]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(text(sql))).all())


async def test_group_ids_become_groups_and_come_back(database: Database) -> None:
    db = database
    await _step(db, "0007")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Migrated", created_at=NOW)
        other = await insert_row(connection, organizations, name="Other", created_at=NOW)
        for token_id, organization_id, value, group in (
            (1, org, "CARD-1", "FLEET"),
            (2, org, "CARD-2", "FLEET"),
            (3, org, "CARD-3", "NIGHT"),
            (4, org, "CARD-4", None),
            (5, other, "CARD-5", "FLEET"),
        ):
            await connection.execute(
                text(
                    "INSERT INTO id_tokens (id, organization_id, value, type, status, group_id, "
                    "label, created_at, updated_at) VALUES (:id, :org, :value, 'ISO14443', "
                    "'Accepted', :group, '', :now, :now)"
                ),
                {
                    "id": token_id,
                    "org": organization_id,
                    "value": value,
                    "group": group,
                    "now": NOW if not db.is_sqlite else NOW.replace(tzinfo=None),
                },
            )
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            ocpp_id="CP-MIGRATED",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )
        await insert_row(
            connection,
            transactions,
            organization_id=org,
            station_id=station,
            evse_id=1,
            connector_id=1,
            id_tag="CARD-1",
            id_token_id=1,
            auth_status="Accepted",
            state="active",
            start_time=NOW,
            created_at=NOW,
            updated_at=NOW,
        )

    await _step(db, "0008")
    groups = await _rows(
        db,
        "SELECT organization_id, parent_id_tag, name, kind FROM token_groups "
        "ORDER BY organization_id, parent_id_tag",
    )
    assert [tuple(g) for g in groups] == [
        (org, "FLEET", "FLEET", "other"),
        (org, "NIGHT", "NIGHT", "other"),
        (other, "FLEET", "FLEET", "other"),
    ]
    members = await _rows(
        db,
        "SELECT t.value, g.parent_id_tag, g.organization_id FROM id_tokens t "
        "LEFT JOIN token_groups g ON g.id = t.group_id ORDER BY t.value",
    )
    assert [tuple(m) for m in members] == [
        ("CARD-1", "FLEET", org),
        ("CARD-2", "FLEET", org),
        ("CARD-3", "NIGHT", org),
        ("CARD-4", None, None),
        ("CARD-5", "FLEET", other),
    ]
    # The transaction still names its token (a table copy on SQLite would have cleared it).
    assert await _rows(db, "SELECT id_token_id FROM transactions") == [(1,)]
    assert await _rows(db, "SELECT access FROM sites") == []
    assert await _rows(db, "SELECT access FROM stations") == [(None,)]

    await _step(db, "0007", down=True)
    back = await _rows(db, "SELECT value, group_id FROM id_tokens ORDER BY value")
    assert [tuple(row) for row in back] == [
        ("CARD-1", "FLEET"),
        ("CARD-2", "FLEET"),
        ("CARD-3", "NIGHT"),
        ("CARD-4", None),
        ("CARD-5", "FLEET"),
    ]
    assert await _rows(db, "SELECT id_token_id FROM transactions") == [(1,)]
    await _step(db, "head")
    assert len(await _rows(db, "SELECT id FROM token_groups")) == 3
