"""Migrate the database named by KILOWATT_* and print a fresh API key: one process instead
of two before a test server starts."""

from __future__ import annotations

import asyncio

from kilowatt.bootstrap import build_services, prepare_database
from kilowatt.config import Settings
from kilowatt.persistence.db import Database


async def main() -> None:
    settings = Settings()
    database = Database(settings.effective_database_url)
    try:
        await prepare_database(database, upgrade=True)
        issued = await build_services(settings, database).users.create_api_key("tests")
    finally:
        await database.dispose()
    print(issued.secret)


if __name__ == "__main__":
    asyncio.run(main())
