"""Migrate the database named by KILOWATT_* and print a fresh API key: one process instead
of two before a test server starts. With an organization name as argument, the key is one of
that organization (created when missing). The key is an owner's: it may do anything."""

from __future__ import annotations

import asyncio
import sys

from kilowatt.bootstrap import build_services, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.users import Role
from kilowatt.persistence.db import Database


async def main(organization: str | None) -> None:
    settings = Settings()
    database = Database(settings.effective_database_url)
    try:
        await prepare_database(database, upgrade=True)
        services = build_services(settings, database)
        organization_id = None
        if organization:
            organization_id = (await services.organizations.ensure(organization)).id
        issued = await services.users.create_api_key(
            "tests", Role.OWNER, organization_id=organization_id
        )
    finally:
        await database.dispose()
    print(issued.secret)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
