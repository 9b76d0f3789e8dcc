"""Reads for site monitoring and the connector page: one query each, aggregated in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.commands import Command, CommandStatus, Operation
from kilowatt.domain.connector_states import IN_USE, ConnectorState
from kilowatt.domain.monitoring import ConnectorRow, SessionSpan, SiteCard, Totals
from kilowatt.domain.stations import Station
from kilowatt.domain.transactions import TransactionState
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.commands import commands
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import connectors, stations
from kilowatt.persistence.models.transactions import transactions
from kilowatt.persistence.repositories.base import Repository

PROFILE_OPERATIONS = (
    Operation.SET_CHARGING_PROFILE.value,
    Operation.CLEAR_CHARGING_PROFILE.value,
)
LONGEST_SESSION = timedelta(days=3)
"""Finished sessions that started longer ago than this before a day are not looked at for it."""


def _site_scope(scope: Scope) -> ColumnElement[bool]:
    condition = sites.c.organization_id == scope.organization_id
    if scope.site_ids is not None:
        condition = condition & sites.c.id.in_(sorted(scope.site_ids))
    return condition


def _station_scope(scope: Scope) -> ColumnElement[bool]:
    condition = stations.c.organization_id == scope.organization_id
    if scope.site_ids is not None:
        condition = condition & stations.c.site_id.in_(sorted(scope.site_ids))
    return condition


class SqlMonitoringRepository(Repository):
    async def site_cards(self, scope: Scope) -> list[SiteCard]:
        """Every site the scope reaches, with station and connector counts (one query)."""
        online_in_use = and_(
            stations.c.online.is_(True), connectors.c.state.in_(sorted(s.value for s in IN_USE))
        )
        faulted = and_(
            stations.c.online.is_(True), connectors.c.state == ConnectorState.FAULTED.value
        )
        query = (
            select(
                sites.c.id,
                sites.c.name,
                sites.c.city,
                sites.c.address,
                sites.c.timezone,
                func.count(func.distinct(stations.c.id)).label("stations"),
                func.count(connectors.c.id).label("connectors"),
                func.coalesce(func.sum(case((online_in_use, 1), else_=0)), 0).label("in_use"),
                func.coalesce(func.sum(case((faulted, 1), else_=0)), 0).label("faulted"),
                func.count(
                    func.distinct(case((stations.c.online.is_(False), stations.c.id)))
                ).label("offline"),
            )
            .select_from(
                sites.outerjoin(stations, stations.c.site_id == sites.c.id).outerjoin(
                    connectors, connectors.c.station_id == stations.c.id
                )
            )
            .where(_site_scope(scope))
            .group_by(sites.c.id, sites.c.name, sites.c.city, sites.c.address, sites.c.timezone)
            .order_by(sites.c.name, sites.c.id)
        )
        return [
            SiteCard(
                id=row.id,
                name=row.name,
                city=row.city,
                address=row.address,
                timezone=row.timezone,
                stations=int(row.stations),
                connectors=int(row.connectors),
                in_use=int(row.in_use),
                faulted=int(row.faulted),
                offline_stations=int(row.offline),
            )
            for row in await self.session.execute(query)
        ]

    async def site_connectors(self, site_id: int) -> list[ConnectorRow]:
        """The connectors of a site's stations, by station identity, EVSE and connector."""
        query = (
            select(
                stations.c.id.label("station_id"),
                stations.c.ocpp_id,
                stations.c.name,
                stations.c.online,
                stations.c.protocol_version,
                connectors.c.evse_id,
                connectors.c.connector_id,
                connectors.c.current_type,
                connectors.c.standard,
                connectors.c.max_power_w,
                connectors.c.status,
                connectors.c.error_code,
                connectors.c.status_at,
                connectors.c.state,
            )
            .select_from(connectors.join(stations, connectors.c.station_id == stations.c.id))
            .where(stations.c.site_id == site_id)
            .order_by(stations.c.ocpp_id, connectors.c.evse_id, connectors.c.connector_id)
        )
        return [
            ConnectorRow(
                station_id=row.station_id,
                station_ocpp_id=row.ocpp_id,
                station_name=row.name,
                online=bool(row.online),
                protocol_version=row.protocol_version,
                evse_id=row.evse_id,
                connector_id=row.connector_id,
                current_type=str(row.current_type),
                standard=row.standard,
                max_power_w=row.max_power_w,
                status=row.status,
                error_code=row.error_code,
                status_at=row.status_at,
                state=row.state,
            )
            for row in await self.session.execute(query)
        ]

    async def station(self, scope: Scope, station_id: int) -> Station | None:
        query = select(Station).where(stations.c.id == station_id, _station_scope(scope))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def sessions_since(
        self,
        organization_id: int,
        station_ids: Collection[int],
        since: datetime,
        evse: tuple[int, int] | None = None,
    ) -> list[SessionSpan]:
        """Sessions of those stations that ran at some time after ``since``: started after it,
        ended after it, or still running."""
        if not station_ids:
            return []
        tx = transactions.c
        query = select(
            tx.id,
            tx.station_id,
            tx.evse_id,
            tx.connector_id,
            tx.start_time,
            tx.stop_time,
            tx.energy_wh,
            tx.state,
        ).where(
            tx.organization_id == organization_id,
            tx.station_id.in_(sorted(station_ids)),
            or_(
                and_(
                    tx.start_time >= since - LONGEST_SESSION,
                    or_(tx.stop_time.is_(None), tx.stop_time >= since, tx.start_time >= since),
                ),
                tx.state == TransactionState.ACTIVE,
            ),
        )
        if evse is not None:
            query = query.where(tx.evse_id == evse[0], tx.connector_id == evse[1])
        return [
            SessionSpan(
                transaction_id=row.id,
                station_id=row.station_id,
                evse_id=row.evse_id,
                connector_id=row.connector_id,
                start=row.start_time,
                stop=row.stop_time,
                energy_wh=row.energy_wh,
                active=row.state is TransactionState.ACTIVE,
            )
            for row in await self.session.execute(query.order_by(tx.start_time))
        ]

    async def connector_totals(self, station_id: int, evse_id: int, connector_id: int) -> Totals:
        """Every session of a connector: how many, their energy, and the time the finished ones
        took (aggregated in SQL)."""
        tx = transactions.c
        query = select(
            func.count(tx.id),
            func.coalesce(func.sum(tx.energy_wh), 0),
            func.coalesce(func.sum(self._seconds(tx.start_time, tx.stop_time)), 0.0),
        ).where(
            tx.station_id == station_id,
            tx.evse_id == evse_id,
            tx.connector_id == connector_id,
        )
        count, energy, seconds = (await self.session.execute(query)).one()
        return Totals(int(count), int(energy), float(seconds))

    def _seconds(
        self, start: ColumnElement[datetime], stop: ColumnElement[datetime]
    ) -> ColumnElement[float]:
        """``stop - start`` in seconds (NULL while running), on SQLite and PostgreSQL."""
        if self.session.get_bind().dialect.name == "sqlite":
            return cast((func.julianday(stop) - func.julianday(start)) * 86400.0, Float)
        return cast(func.extract("epoch", stop - start), Float)

    async def recent_sessions(
        self, station_id: int, evse_id: int, connector_id: int, limit: int = 20
    ) -> list[SessionSpan]:
        tx = transactions.c
        query = (
            select(
                tx.id,
                tx.station_id,
                tx.evse_id,
                tx.connector_id,
                tx.start_time,
                tx.stop_time,
                tx.energy_wh,
                tx.state,
            )
            .where(
                tx.station_id == station_id,
                tx.evse_id == evse_id,
                tx.connector_id == connector_id,
            )
            .order_by(tx.id.desc())
            .limit(limit)
        )
        return [
            SessionSpan(
                transaction_id=row.id,
                station_id=row.station_id,
                evse_id=row.evse_id,
                connector_id=row.connector_id,
                start=row.start_time,
                stop=row.stop_time,
                energy_wh=row.energy_wh,
                active=row.state is TransactionState.ACTIVE,
            )
            for row in await self.session.execute(query)
        ]

    async def profile_commands(
        self, station_ids: Collection[int], limit: int = 500
    ) -> list[Command]:
        """The newest accepted set/clear charging profile commands of those stations, oldest
        first."""
        if not station_ids:
            return []
        query = (
            select(Command)
            .where(
                commands.c.station_id.in_(sorted(station_ids)),
                commands.c.operation.in_(PROFILE_OPERATIONS),
                commands.c.status == CommandStatus.ACCEPTED,
            )
            .order_by(commands.c.id.desc())
            .limit(limit)
        )
        found = list((await self.session.execute(query)).scalars())
        found.reverse()
        return found
