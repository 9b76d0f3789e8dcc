"""A fresh database at the newest schema, on SQLite and on PostgreSQL, for the tests of the
persistence layer that need one (the migration tests step their own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kilowatt.bootstrap import prepare_database
from kilowatt.persistence.db import Database
from kilowatt.persistence.models import start_mappers
from tests.support.server import create_postgres_database, drop_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    start_mappers()
    backend = str(request.param)
    if backend == "postgresql":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'kilowatt.sqlite3'}"
    database = Database(url)
    await prepare_database(database, upgrade=True)
    try:
        yield database
    finally:
        await database.dispose()
        if backend == "postgresql":
            await drop_postgres_database(url)
