from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.ownership import SEPARATOR, StationOwner
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import Connector, Station, StatusChange
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.stations import connector_status_history, connectors, stations
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.services.ports import StationFilter

OFFLINE_CHUNK = 400
"""Stations per statement when many go offline at once (SQLite allows 32,766 parameters)."""


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """Stations of the organization, and for a limited scope at one of its sites."""
    condition = stations.c.organization_id == scope.organization_id
    if scope.site_ids is not None:
        condition = condition & stations.c.site_id.in_(sorted(scope.site_ids))
    return condition


class SqlStationRepository(Repository):
    async def by_ocpp_id(self, ocpp_id: str) -> Station | None:
        query = select(Station).where(stations.c.ocpp_id == ocpp_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, scope: Scope, ocpp_id: str) -> Station | None:
        query = select(Station).where(stations.c.ocpp_id == ocpp_id, in_scope(scope))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_by_id(self, station_id: int) -> Station | None:
        return await self.session.get(Station, station_id)

    async def by_ids(self, station_ids: Collection[int], lock: bool = False) -> list[Station]:
        if not station_ids:
            return []
        # Sorted, so that two lockers of overlapping batches take the rows in one order.
        query = select(Station).where(stations.c.id.in_(sorted(station_ids)))
        if lock:
            query = (
                # FOR NO KEY UPDATE: it excludes the other writers of the row, not the key
                # share a foreign key check takes (a status history row of the station).
                query.order_by(stations.c.id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        return list((await self.session.execute(query)).scalars())

    async def search(self, scope: Scope, page: PageRequest, where: StationFilter) -> Page[Station]:
        query = select(Station).where(in_scope(scope))
        if where.site_id is not None:
            query = query.where(stations.c.site_id == where.site_id)
        if where.online is not None:
            query = query.where(stations.c.online == where.online)
        if where.registration_status is not None:
            query = query.where(stations.c.registration_status == where.registration_status)
        if where.search:
            query = query.where(
                contains(stations.c.ocpp_id, where.search)
                | contains(stations.c.name, where.search)
                | contains(stations.c.vendor, where.search)
                | contains(stations.c.model, where.search)
            )
        return await page_of(self.session, query, stations.c.id, page)

    async def identities(self, station_ids: set[int]) -> dict[int, str]:
        if not station_ids:
            return {}
        query = select(stations.c.id, stations.c.ocpp_id).where(stations.c.id.in_(station_ids))
        return {row.id: row.ocpp_id for row in await self.session.execute(query)}

    async def count_at_site(self, site_id: int) -> int:
        query = select(func.count()).select_from(stations).where(stations.c.site_id == site_id)
        return int((await self.session.execute(query)).scalar_one())

    async def add(self, station: Station) -> Station:
        return await self._add(station)

    async def delete(self, station: Station) -> None:
        await self._delete(station)

    async def record_presence(self, last_seen: Mapping[int, datetime]) -> None:
        if not last_seen:
            return
        statement = (
            update(stations)
            .where(stations.c.id == bindparam("station_id"))
            .values(last_seen_at=bindparam("seen"))
        )
        # In id order, like every other writer of many stations: no two lock in opposite order.
        rows = [{"station_id": key, "seen": seen} for key, seen in sorted(last_seen.items())]
        await (await self.session.connection()).execute(statement, rows)

    async def mark_all_offline(self) -> int:
        result = await self.session.execute(
            update(stations)
            .where(stations.c.online.is_(True))
            .values(online=False, connected_node=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def online_owners(self) -> list[StationOwner]:
        query = select(
            stations.c.id, stations.c.organization_id, stations.c.ocpp_id, stations.c.connected_node
        ).where(stations.c.online.is_(True))
        return [
            StationOwner(row.id, row.organization_id, row.ocpp_id, row.connected_node)
            for row in await self.session.execute(query)
        ]

    async def mark_offline(self, owners: Sequence[StationOwner]) -> list[StationOwner]:
        # Each station is taken offline only while the given owner still holds it, so that a
        # station that has meanwhile connected again (a new owner) stays online; one statement
        # per chunk of stations, however many a dead node left behind.
        connection = await self.session.connection()
        released: list[StationOwner] = []
        for start in range(0, len(owners), OFFLINE_CHUNK):
            chunk = owners[start : start + OFFLINE_CHUNK]
            owned = [(o.station_id, o.owner) for o in chunk if o.owner is not None]
            unowned = [o.station_id for o in chunk if o.owner is None]
            held: list[ColumnElement[bool]] = []
            if owned:
                held.append(tuple_(stations.c.id, stations.c.connected_node).in_(owned))
            if unowned:
                held.append(stations.c.id.in_(unowned) & stations.c.connected_node.is_(None))
            result = await connection.execute(
                update(stations)
                .where(stations.c.online.is_(True), or_(*held))
                .values(online=False, connected_node=None)
                .returning(stations.c.id)
            )
            done = {row.id for row in result}
            released += [o for o in chunk if o.station_id in done]
        return released

    async def mark_node_offline(self, node_id: str) -> list[StationOwner]:
        result = await (await self.session.connection()).execute(
            update(stations)
            .where(
                stations.c.online.is_(True),
                stations.c.connected_node.startswith(node_id + SEPARATOR, autoescape=True),
            )
            .values(online=False, connected_node=None)
            .returning(stations.c.id, stations.c.organization_id, stations.c.ocpp_id)
        )
        return [
            StationOwner(row.id, row.organization_id, row.ocpp_id, node_id + SEPARATOR)
            for row in result
        ]


class SqlConnectorRepository(Repository):
    async def for_station(self, station_id: int) -> list[Connector]:
        query = (
            select(Connector)
            .where(connectors.c.station_id == station_id)
            .order_by(connectors.c.evse_id, connectors.c.connector_id)
        )
        return list((await self.session.execute(query)).scalars())

    async def get(self, station_id: int, evse_id: int, connector_id: int) -> Connector | None:
        query = select(Connector).where(
            connectors.c.station_id == station_id,
            connectors.c.evse_id == evse_id,
            connectors.c.connector_id == connector_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, connector: Connector) -> Connector:
        return await self._add(connector)

    async def delete(self, connector: Connector) -> None:
        await self._delete(connector)

    async def add_status_change(self, change: StatusChange) -> None:
        self.session.add(change)

    async def status_history(
        self, station_id: int, evse_id: int, connector_id: int, page: PageRequest
    ) -> Page[StatusChange]:
        history = connector_status_history
        query = select(StatusChange).where(
            history.c.station_id == station_id,
            history.c.evse_id == evse_id,
            history.c.connector_id == connector_id,
        )
        return await page_of(self.session, query, history.c.id, page, newest_first=True)
