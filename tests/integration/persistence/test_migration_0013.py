"""Migration 0013 on SQLite and PostgreSQL: an active transaction whose token was refused
becomes 'refused' (one still waiting for its token stays active), 1.6 replay keys name the
EVSE, and neither way loses a meter value or a transaction event (the transactions table is
altered in place: a SQLite batch copy would cascade to them)."""

from __future__ import annotations

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.transactions import meter_values, transactions
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases

KEY = "|TAG|2026-05-01T12:00:00+00:00|0"


async def test_refused_starts_and_replay_keys_and_nothing_lost(database: Database) -> None:
    db = database
    await _step(db, "0012")
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="Checks", created_at=NOW)
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            ocpp_id="CP-CHECKS",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )
        rows = {  # (evse, id_tag, auth_status, state)
            "accepted": (1, "TAG", "Accepted", "active"),
            "refused": (2, "TAG", "ConcurrentTx", "active"),
            "no_token_yet": (3, "", "Unknown", "active"),
            "ended_refused": (1, "TAG", "Blocked", "completed"),
        }
        made = {}
        for n, (name, (evse, tag, auth, state)) in enumerate(rows.items()):
            made[name] = await insert_row(
                connection,
                transactions,
                organization_id=org,
                station_id=station,
                evse_id=evse,
                connector_id=1,
                id_tag=tag,
                auth_status=auth,
                state=state,
                start_key=f"1{KEY}{n}" if tag else None,
                start_time=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
            await insert_row(
                connection,
                meter_values,
                transaction_id=made[name],
                station_id=station,
                evse_id=evse,
                connector_id=1,
                timestamp=NOW,
                measurand="Energy.Active.Import.Register",
                value=1.0,
                unit="Wh",
            )
    await _step(db, "0013")
    found = {
        row[0]: (row[1], row[2])
        for row in await _rows(db, "SELECT id, state, start_key FROM transactions")
    }
    assert found[made["accepted"]] == ("active", f"1{KEY}0")
    assert found[made["refused"]] == ("refused", f"2{KEY}1")
    assert found[made["no_token_yet"]] == ("active", None)
    assert found[made["ended_refused"]] == ("completed", f"1{KEY}3")
    assert (await _rows(db, "SELECT count(*) FROM meter_values"))[0][0] == 4

    await _step(db, "0012", down=True)
    back = {
        row[0]: (row[1], row[2])
        for row in await _rows(db, "SELECT id, state, start_key FROM transactions")
    }
    assert back[made["refused"]] == ("active", f"1{KEY}1")
    assert (await _rows(db, "SELECT count(*) FROM meter_values"))[0][0] == 4
