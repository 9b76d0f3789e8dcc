"""Migration 0016 on SQLite and PostgreSQL: the money tables come and go, and the prepaid
wallet column is added to id_tokens and dropped in place, keeping every token; amounts are
stored exactly (no float on either database)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, inspect, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.tokens import id_tokens
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases

MONEY = {"tariffs", "tariff_versions", "tariff_assignments", "wallets", "wallet_entries", "cdrs"}


def _names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_names)


async def test_money_tables_and_the_prepaid_column_come_and_go_keeping_tokens(
    database: Database,
) -> None:
    db = database
    await _step(db, "0015")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Money", created_at=NOW)
        for value in ("A", "B"):
            await insert_row(
                connection,
                id_tokens,
                organization_id=org,
                value=value,
                type="ISO14443",
                status="Accepted",
                label="",
                created_at=NOW,
                updated_at=NOW,
            )
    assert not MONEY & await _tables(db)

    await _step(db, "0016")
    assert await _tables(db) >= MONEY
    tokens = await _rows(db, "SELECT value, wallet_id FROM id_tokens ORDER BY id")
    assert [tuple(row) for row in tokens] == [("A", None), ("B", None)]
    at = NOW.replace(tzinfo=None) if db.is_sqlite else NOW
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO wallets (organization_id, owner_kind, name, currency, min_balance, "
                "balance, created_at) VALUES (:org, 'account', 'W', 'EUR', '0', :b, :at)"
            ),
            {"org": org, "b": "0.1" if db.is_sqlite else Decimal("0.1"), "at": at},
        )
    (balance,) = (await _rows(db, "SELECT balance FROM wallets"))[0]
    assert Decimal(str(balance)) == Decimal("0.1")
    assert "E" not in str(balance)

    await _step(db, "0015", down=True)
    assert not MONEY & await _tables(db)
    columns = await _rows(db, "SELECT * FROM id_tokens")
    assert "wallet_id" not in columns[0]._fields
    assert len(columns) == 2
    await _step(db, "0016")  # and up again
