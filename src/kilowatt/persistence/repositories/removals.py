"""Counting and deleting what sites and stations hold (services/removals.py): a few grouped
counts, and the sessions of a set of stations in one statement (their readings and events go
by the foreign keys' cascade)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import CursorResult, delete, func, select

from kilowatt.domain.removals import Contents
from kilowatt.persistence.models.cdrs import cdrs
from kilowatt.persistence.models.faults import faults
from kilowatt.persistence.models.stations import connectors, stations
from kilowatt.persistence.models.transactions import transactions
from kilowatt.persistence.repositories.base import Repository


class SqlRemovalStore(Repository):
    async def stations_at_site(self, site_id: int) -> list[int]:
        query = select(stations.c.id).where(stations.c.site_id == site_id).order_by(stations.c.id)
        return [int(row) for row in (await self.session.execute(query)).scalars()]

    async def _by_station(self, query: Any) -> dict[int, int]:
        return {int(row[0]): int(row[1]) for row in await self.session.execute(query)}

    async def contents(self, station_ids: Collection[int]) -> dict[int, Contents]:
        ids = sorted(station_ids)
        if not ids:
            return {}
        plugs = await self._by_station(
            select(connectors.c.station_id, func.count())
            .where(connectors.c.station_id.in_(ids))
            .group_by(connectors.c.station_id)
        )
        sessions = await self._by_station(
            select(transactions.c.station_id, func.count())
            .where(transactions.c.station_id.in_(ids))
            .group_by(transactions.c.station_id)
        )
        all_faults = await self._by_station(
            select(faults.c.station_id, func.count())
            .where(faults.c.station_id.in_(ids))
            .group_by(faults.c.station_id)
        )
        open_faults = await self._by_station(
            select(faults.c.station_id, func.count())
            .where(faults.c.station_id.in_(ids), faults.c.ended_at.is_(None))
            .group_by(faults.c.station_id)
        )
        return {
            station_id: Contents(
                stations=1,
                connectors=plugs.get(station_id, 0),
                sessions=sessions.get(station_id, 0),
                faults=all_faults.get(station_id, 0),
                open_faults=open_faults.get(station_id, 0),
            )
            for station_id in ids
        }

    async def accounting_records(self, station_ids: Collection[int]) -> int:
        ids = sorted(station_ids)
        if not ids:
            return 0
        query = select(func.count()).select_from(cdrs).where(cdrs.c.station_id.in_(ids))
        return int((await self.session.execute(query)).scalar_one())

    async def delete_sessions(self, station_ids: Collection[int]) -> int:
        ids = sorted(station_ids)
        if not ids:
            return 0
        result = await self.session.execute(
            delete(transactions).where(transactions.c.station_id.in_(ids))
        )
        assert isinstance(result, CursorResult)
        return int(result.rowcount or 0)
