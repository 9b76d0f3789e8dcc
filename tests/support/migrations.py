"""Rows written into a database migrated to an older revision, through today's tables: only the
columns that revision has are used, with the defaults today's tables give them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.ext.asyncio import AsyncConnection


def _columns(connection: Connection, name: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(name)}


async def insert_row(connection: AsyncConnection, table: Table, **values: Any) -> Any:
    """Insert into ``table`` as the database has it now; returns the new primary key."""
    present = await connection.run_sync(_columns, table.name)
    trimmed = Table(
        table.name,
        MetaData(),
        *(column._copy() for column in table.columns if column.name in present),
    )
    result = await connection.execute(trimmed.insert().values(**values))
    return result.inserted_primary_key[0] if result.inserted_primary_key else None
