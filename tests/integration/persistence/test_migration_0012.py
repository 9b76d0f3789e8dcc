"""Migration 0012 on SQLite and PostgreSQL: every connector gets its state in the one
vocabulary from the status its station last said (2.0.1 Occupied from the chargingState of
the EVSE's running transaction), and the way down drops it again."""

from __future__ import annotations

from sqlalchemy import text

from kilowatt.persistence.db import Database
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.transactions import transactions
from tests.integration.persistence.test_migration_0008 import NOW, _rows, _step, database
from tests.support.migrations import insert_row

__all__ = ["database"]  # the fixture, over both databases

STATUSES = {  # evse → (status said, state expected)
    1: ("Available", "available"),
    2: ("Charging", "charging"),
    3: ("SuspendedEVSE", "suspended"),
    4: ("Reserved", "reserved"),
    5: ("Occupied", "charging"),  # its transaction says Charging
    6: ("Occupied", "suspended"),  # its transaction says SuspendedEV
    7: ("Occupied", "preparing"),  # no transaction yet
    8: ("Occupied", "preparing"),  # only an ended one
    9: ("Unknown", "unknown"),
}


async def test_connector_states_are_filled_in_from_what_stations_said(database: Database) -> None:
    db = database
    await _step(db, "0009")
    now = NOW if not db.is_sqlite else NOW.replace(tzinfo=None)
    async with db.engine.begin() as connection:
        org = await insert_row(connection, organizations, name="States", created_at=NOW)
        station = await insert_row(
            connection,
            stations,
            organization_id=org,
            ocpp_id="CP-STATES",
            registration_status="Accepted",
            created_at=NOW,
            updated_at=NOW,
        )
        for evse, (status, _) in STATUSES.items():
            await connection.execute(
                text(
                    "INSERT INTO connectors (station_id, evse_id, connector_id, current_type, "
                    "standard, status, error_code, info, vendor_id, vendor_error_code, "
                    "created_at) VALUES (:station, :evse, 1, 'AC', 'Type2', :status, "
                    "'NoError', '', '', '', :now)"
                ),
                {"station": station, "evse": evse, "status": status, "now": now},
            )
        for evse, state, charging_state in (
            (5, "active", "Charging"),
            (6, "active", "SuspendedEV"),
            (8, "completed", "Charging"),
        ):
            await insert_row(
                connection,
                transactions,
                organization_id=org,
                station_id=station,
                evse_id=evse,
                connector_id=0,  # 2.0.1 need not name it
                id_tag="CARD",
                auth_status="Accepted",
                state=state,
                charging_state=charging_state,
                start_time=NOW,
                created_at=NOW,
                updated_at=NOW,
            )

    await _step(db, "0012")
    found = await _rows(db, "SELECT evse_id, status, state FROM connectors ORDER BY evse_id")
    assert [tuple(row) for row in found] == [
        (evse, status, state) for evse, (status, state) in STATUSES.items()
    ]

    await _step(db, "0009", down=True)
    columns = await _rows(db, "SELECT * FROM connectors WHERE evse_id = 1")
    assert "status" in columns[0]._fields
    assert "state" not in columns[0]._fields  # as it was
