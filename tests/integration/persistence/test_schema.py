"""The tables the code maps (persistence/models) are exactly what the migrations build, on
both databases: a model changed without a migration, or a migration that drifts from the
models, fails here rather than in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from kilowatt.bootstrap import build, prepare_database
from kilowatt.config import Settings
from kilowatt.persistence.models import metadata
from tests.support.server import create_postgres_database, drop_postgres_database


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _unnamed_sqlite_foreign_key(difference: Any) -> bool:
    """SQLite keeps a foreign key added with ADD COLUMN without its name, so the comparison
    sees it removed (unnamed) and added (named): the same constraint, ON DELETE included."""
    return isinstance(difference, tuple) and difference[0] in ("add_fk", "remove_fk")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_migrations_build_exactly_the_mapped_tables(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'schema.sqlite3'}"
    container = build(Settings(data_dir=tmp_path, database_url=url))
    try:
        await prepare_database(container.database, upgrade=True)
        async with container.database.engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await container.close()
        if backend == "postgresql":
            await drop_postgres_database(url)
    if backend == "sqlite":
        foreign_keys = [d for d in differences if _unnamed_sqlite_foreign_key(d)]
        assert len(foreign_keys) % 2 == 0  # each one removed and added again
        differences = [d for d in differences if not _unnamed_sqlite_foreign_key(d)]
    assert differences == []
