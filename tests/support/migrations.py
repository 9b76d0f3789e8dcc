"""Rows written into a database migrated to an older revision, through today's tables: only the
columns that revision has are used, with the defaults today's tables give them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table, inspect
from sqlalchemy.ext.asyncio import AsyncConnection

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.loads import site_loads
from kilowatt.persistence.models.organizations import organizations, sites


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


async def has_column(db: Database, table: str, column: str) -> bool:
    async with db.engine.connect() as connection:
        return column in await connection.run_sync(_columns, table)


async def site_row(
    connection: AsyncConnection, organization: str, now: datetime
) -> tuple[int, int]:
    """An organization and its one site (a 100 kW transformer, UTC): their ids."""
    org = await insert_row(connection, organizations, name=organization, created_at=now)
    site = await insert_row(
        connection, sites, organization_id=org, name="Depot", timezone="UTC",
        grid_capacity_w=100_000, created_at=now, updated_at=now,
    )  # fmt: skip
    return org, site


async def site_load_row(
    connection: AsyncConnection, org: int, site: int, now: datetime, **values: Any
) -> None:
    """The site's load settings as migration 0020 made them (``values`` adds or overrides)."""
    settings: dict[str, Any] = {
        "enabled": True, "half_at_pct": 50, "hold_at_pct": 80, "hysteresis_pct": 5,
        "voltage": 230, "min_current_a": 6.0, "reserve_pct": 2, "fallback_load_w": 0,
        "reading_max_age_s": 300, "meter_topic": "", "state": "normal", "load_source": "",
    }  # fmt: skip
    await insert_row(
        connection, site_loads, site_id=site, organization_id=org, updated_at=now,
        **(settings | values),
    )  # fmt: skip
