"""Migration 0014 on SQLite and PostgreSQL: the jobs' tables come and go, and the campaign
targets' claim column is added and dropped in place, keeping every target (a SQLite batch copy
of firmware_updates is not needed, nor wanted)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.firmware import firmware, firmware_campaigns, firmware_updates
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases


def _names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_names)


async def test_jobs_tables_and_target_claims_come_and_go_keeping_every_target(
    database: Database,
) -> None:
    db = database
    await _step(db, "0013")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Jobs", created_at=NOW)
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            ocpp_id="CP-JOBS",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )
        image = await insert_row(
            connection,
            firmware,
            organization_id=org,
            version="1.0",
            file_name="fw.bin",
            size=1,
            sha256="0" * 64,
            storage_key="firmware/x",
            uploaded_by="tests",
            created_at=NOW,
        )
        campaign = await insert_row(
            connection,
            firmware_campaigns,
            organization_id=org,
            firmware_id=image,
            firmware_version="1.0",
            name="c",
            status="rollout",
            first_batch_size=1,
            selection={},
            requested_by="tests",
            created_at=NOW,
            updated_at=NOW,
        )
        for batch, status in ((1, "installed"), (2, "pending")):
            await insert_row(
                connection,
                firmware_updates,
                organization_id=org,
                station_id=station,
                station_ocpp_id="CP-JOBS",
                firmware_id=image,
                firmware_version="1.0",
                campaign_id=campaign,
                batch=batch,
                status=status,
                created_at=NOW,
                updated_at=NOW,
            )
    assert not {"jobs", "job_runs"} & await _tables(db)

    await _step(db, "0014")
    assert {"jobs", "job_runs"} <= await _tables(db)
    targets = await _rows(db, "SELECT batch, status, claimed_at FROM firmware_updates ORDER BY id")
    assert [tuple(row) for row in targets] == [(1, "installed", None), (2, "pending", None)]
    async with db.engine.begin() as connection:
        await connection.execute(text("INSERT INTO jobs (name) VALUES ('probe')"))
        await connection.execute(
            text(
                "INSERT INTO job_runs (job, node, trigger, requested_by, status, started_at, "
                "items, detail) VALUES ('probe', 'n', 'manual', '', 'running', :at, 0, '')"
            ),
            {"at": NOW.replace(tzinfo=None) if db.is_sqlite else NOW},
        )
        # A job's runs go with it.
        await connection.execute(text("DELETE FROM jobs WHERE name = 'probe'"))
    assert (await _rows(db, "SELECT count(*) FROM job_runs"))[0][0] == 0

    await _step(db, "0013", down=True)
    assert not {"jobs", "job_runs"} & await _tables(db)
    back = await _rows(db, "SELECT batch, status FROM firmware_updates ORDER BY id")
    assert [tuple(row) for row in back] == [(1, "installed"), (2, "pending")]
    columns = await _rows(db, "SELECT * FROM firmware_updates")
    assert "claimed_at" not in columns[0]._fields
    await _step(db, "0014")  # and up again
