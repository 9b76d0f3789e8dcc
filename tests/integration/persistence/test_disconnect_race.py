"""A late disconnect never takes a reconnected station offline, on SQLite and PostgreSQL.

The race CI caught: the old connection's disconnect reads the station (still owned by the old
connection), a newer connection of the same station commits "online, owned by me", and then
the disconnect writes "offline". Here the disconnect is paused right after its read while the
newer connection connects; the station must end online and owned by the newer connection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.util import await_only

from kilowatt.domain.organizations import Organization
from kilowatt.domain.stations import RegistrationStatus, Station, UnknownStationPolicy
from kilowatt.persistence.db import Database
from kilowatt.persistence.unit_of_work import SqlUnitOfWorkFactory
from kilowatt.services.base import SystemClock
from kilowatt.services.bus import InProcessBus
from kilowatt.services.provisioning import ProvisioningService, _ref
from kilowatt.services.station_reports import ReportMemory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class PauseAfterStationRead:
    """Holds the first statement that reads stations by id (the disconnect's read) until
    ``release`` is set, inside the unit of work that made it."""

    def __init__(self, database: Database) -> None:
        self.read = asyncio.Event()
        self.release = asyncio.Event()
        self.armed = True
        event.listen(database.engine.sync_engine, "after_cursor_execute", self._after)

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.armed and statement.lstrip().startswith("SELECT") and "stations.id IN" in statement:
            self.armed = False
            self.read.set()
            await_only(self.release.wait())


async def test_a_late_disconnect_leaves_the_newer_connection_online(database: Database) -> None:
    uow = SqlUnitOfWorkFactory(database)
    async with uow() as work:
        organization = await work.organizations.add(Organization(name="Race", created_at=NOW))
        assert organization.id is not None
        station = await work.stations.add(
            Station(
                organization_id=organization.id,
                ocpp_id="RACE-1",
                registration_status=RegistrationStatus.ACCEPTED,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await work.commit()
        ref = _ref(station)
    service = ProvisioningService(
        uow,
        SystemClock(),
        InProcessBus(),
        unknown_station_policy=UnknownStationPolicy.REJECT,
        heartbeat_interval=60,
        pending_interval=60,
        memory=ReportMemory(),
    )
    await service.connected(ref, "1.6", "127.0.0.1", "node/old")
    pause = PauseAfterStationRead(database)

    late = asyncio.create_task(service.disconnected(ref, 1000, "", "node/old"))
    await asyncio.wait_for(pause.read.wait(), 10)
    # The newer connection connects while the disconnect holds what it read. With the row
    # locked it waits (PostgreSQL) or its write is serialised (SQLite); it must not be lost.
    newer = asyncio.create_task(service.connected(ref, "1.6", "127.0.0.1", "node/new"))
    await asyncio.sleep(0.3)
    pause.release.set()
    await asyncio.wait_for(asyncio.gather(late, newer), 30)

    async with uow(readonly=True) as work:
        found = await work.stations.get_by_id(ref.id)
    assert found is not None
    assert (found.online, found.connected_node) == (True, "node/new")
