"""Migration 0011 on SQLite (foreign keys on, as Kilowatt runs it) and PostgreSQL: commands
gain what became of a remote start's session, and neither way loses the command a firmware
update or a diagnostics upload points to."""

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
from kilowatt.persistence.models.commands import commands
from kilowatt.persistence.models.diagnostics import diagnostics_uploads
from kilowatt.persistence.models.firmware import firmware_updates
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from tests.support.migrations import insert_row
from tests.support.server import create_postgres_database, drop_postgres_database

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


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


async def _links(db: Database) -> list[Any]:
    async with db.engine.connect() as connection:
        rows = []
        for table in ("diagnostics_uploads", "firmware_updates"):
            found = await connection.execute(text(f"SELECT command_id FROM {table}"))  # noqa: S608
            rows.extend(found.all())
        return rows


async def test_commands_keep_what_points_to_them_both_ways(database: Database) -> None:
    db = database
    await _step(db, "0009")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Migrated", created_at=NOW)
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            ocpp_id="CP-0011",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )
        made = await insert_row(
            connection,
            commands,
            organization_id=org,
            station_id=station,
            station_ocpp_id="CP-0011",
            operation="update_firmware",
            params={},
            requested_by="test",
            status="accepted",
            timeout=30.0,
            action="UpdateFirmware",
            error="",
            created_at=NOW,
        )
        command_id = made
        await insert_row(
            connection,
            diagnostics_uploads,
            organization_id=org,
            station_id=station,
            command_id=command_id,
            token_digest="d" * 64,
            expires_at=NOW,
            status="requested",
            created_at=NOW,
            updated_at=NOW,
        )
        await insert_row(
            connection,
            firmware_updates,
            organization_id=org,
            station_id=station,
            station_ocpp_id="CP-0011",
            firmware_version="1.0",
            status="pending",
            command_id=command_id,
            created_at=NOW,
            updated_at=NOW,
        )

    await _step(db, "0011")
    assert await _links(db) == [(command_id,), (command_id,)]
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE commands SET start_outcome = 'not_started', start_status = NULL, "
                "start_deadline = :at WHERE id = :id"
            ),
            {"at": NOW if not db.is_sqlite else NOW.replace(tzinfo=None), "id": command_id},
        )

    await _step(db, "0009", down=True)
    assert await _links(db) == [(command_id,), (command_id,)]
    async with db.engine.connect() as connection:
        columns = (await connection.execute(text("SELECT * FROM commands"))).keys()
    assert not [c for c in columns if c.startswith("start_")]
