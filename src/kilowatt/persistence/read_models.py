"""Reporting queries: figures aggregated in SQL, per site-local day, for SQLite and PostgreSQL.

A session's local day is the day of its start in its site's time zone. PostgreSQL converts
with ``timezone(zone, start_time)``. SQLite knows no time zones: there the UTC offset of each
zone in view comes from a CASE over the instants its offset changes between the bounds
(domain.reporting.offset_spans), and ``date(start_time, '+N minutes')`` gives the local day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Float,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.drivers import Driver
from kilowatt.domain.reporting import (
    Figures,
    Ledger,
    OffsetSpan,
    SitePoint,
    StatusCounts,
    offset_spans,
    status_counts,
)
from kilowatt.domain.reporting_periods import Bounds, Crossing
from kilowatt.domain.transactions import Transaction, TransactionState, energy_delivered
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.base import UTCDateTime
from kilowatt.persistence.models.drivers import drivers
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import connectors, stations
from kilowatt.persistence.models.transactions import transactions

UTC_ZONE: ColumnElement[str] = literal_column("'UTC'")


class SqlReportingStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _sqlite(self) -> bool:
        return self.session.get_bind().dialect.name == "sqlite"

    def _in_scope(self, scope: Scope) -> list[ColumnElement[bool]]:
        conditions = [transactions.c.organization_id == scope.organization_id]
        if scope.site_ids is not None:
            conditions.append(stations.c.site_id.in_(sorted(scope.site_ids)))
        return conditions

    def _length(self, start: ColumnElement[Any], end: ColumnElement[Any]) -> ColumnElement[Any]:
        """Seconds from ``start`` to ``end``."""
        if self._sqlite:
            return (func.julianday(end) - func.julianday(start)) * 86400.0
        return func.extract("epoch", end - start)

    def _seconds(self, now: datetime) -> ColumnElement[Any]:
        """Charging seconds of a session: until its stop, or until now while it runs (a stop
        before the start: none)."""
        tx = transactions.c
        end = case(
            (tx.state == TransactionState.ACTIVE, literal(now, UTCDateTime)), else_=tx.stop_time
        )
        return case((end >= tx.start_time, self._length(tx.start_time, end)), else_=None)

    @staticmethod
    def _energy() -> ColumnElement[Any]:
        """Energy of a session: final once completed, so far while it runs (the latest
        register reading less the start; none when the meter went backwards)."""
        tx = transactions.c
        return case(
            (tx.state == TransactionState.COMPLETED, tx.energy_wh),
            (tx.last_meter_wh >= tx.meter_start_wh, tx.last_meter_wh - tx.meter_start_wh),
            else_=None,
        )

    def _joined(self) -> Any:
        return transactions.join(stations, stations.c.id == transactions.c.station_id).outerjoin(
            sites, sites.c.id == stations.c.site_id
        )

    async def daily(self, scope: Scope, start: datetime, end: datetime, now: datetime) -> Ledger:
        tx = transactions.c
        zone = func.coalesce(sites.c.timezone, UTC_ZONE)
        joined = self._joined()
        where = [*self._in_scope(scope), tx.start_time >= start, tx.start_time < end]
        if self._sqlite:
            zones = await self._zones(joined, where)
            day: ColumnElement[Any] = func.date(
                tx.start_time, _offset_case(zone, zones, start, end)
            )
        else:
            day = cast(func.timezone(zone, tx.start_time), Date)
        query = (
            select(
                day.label("day"),
                func.count(),
                func.sum(self._energy()),
                func.sum(cast(self._seconds(now), Float)),
            )
            .select_from(joined)
            .where(*where)
            .group_by(literal_column("day"))
        )
        result: Ledger = {}
        for local, sessions, energy, seconds in await self.session.execute(query):
            key = local if isinstance(local, date) else date.fromisoformat(str(local))
            result[key] = Figures(int(sessions), int(energy or 0), round(seconds or 0))
        return result

    async def _zones(self, joined: Any, where: list[ColumnElement[bool]]) -> list[str]:
        zone = func.coalesce(sites.c.timezone, UTC_ZONE)
        query = select(zone).select_from(joined).where(*where).distinct()
        return sorted(str(row[0]) for row in await self.session.execute(query))

    async def cumulative(self, scope: Scope, now: datetime) -> Figures:
        query = (
            select(
                func.count(), func.sum(self._energy()), func.sum(cast(self._seconds(now), Float))
            )
            .select_from(transactions.join(stations, stations.c.id == transactions.c.station_id))
            .where(*self._in_scope(scope))
        )
        sessions, energy, seconds = (await self.session.execute(query)).one()
        return Figures(int(sessions), int(energy or 0), round(seconds or 0))

    async def zones(self, scope: Scope) -> list[str]:
        query = (
            select(func.coalesce(sites.c.timezone, UTC_ZONE))
            .select_from(stations.outerjoin(sites, sites.c.id == stations.c.site_id))
            .where(stations.c.organization_id == scope.organization_id)
            .distinct()
        )
        if scope.site_ids is not None:
            query = query.where(stations.c.site_id.in_(sorted(scope.site_ids)))
        return sorted(str(row[0]) for row in await self.session.execute(query))

    async def stretch(
        self, scope: Scope, bounds: Mapping[str, Bounds]
    ) -> tuple[Figures, list[Crossing]]:
        if not bounds:
            return Figures(), []
        tx = transactions.c
        zone = func.coalesce(sites.c.timezone, UTC_ZONE)

        def per_zone(index: int) -> ColumnElement[Any]:
            whens = [(zone == name, literal(b[index], UTCDateTime)) for name, b in bounds.items()]
            return case(*whens, else_=None)

        since, until = per_zone(0), per_zone(1)
        where = [
            *self._in_scope(scope),
            # The widest bounds first, for the index; then each zone's own.
            tx.start_time >= min(b[0] for b in bounds.values()),
            tx.start_time < max(b[1] for b in bounds.values()),
            tx.start_time >= since,
            tx.start_time < until,
        ]
        ended = and_(
            tx.state == TransactionState.COMPLETED,
            or_(tx.stop_time.is_(None), tx.stop_time <= until),
        )
        crossing = or_(
            tx.state == TransactionState.ACTIVE,
            and_(tx.state == TransactionState.COMPLETED, tx.stop_time > until),
        )
        length = self._length(tx.start_time, tx.stop_time)
        totals = (
            select(
                func.count(),
                func.sum(case((ended, tx.energy_wh), else_=None)),
                func.sum(cast(case((and_(ended, tx.stop_time >= tx.start_time), length)), Float)),
            )
            .select_from(self._joined())
            .where(*where)
        )
        sessions, energy, seconds = (await self.session.execute(totals)).one()
        rows = (
            select(
                zone,
                tx.state,
                tx.start_time,
                tx.stop_time,
                tx.energy_wh,
                tx.meter_start_wh,
                tx.last_meter_wh,
                tx.last_meter_at,
            )
            .select_from(self._joined())
            .where(*where, crossing)
        )
        running = [_crossing(*row) for row in await self.session.execute(rows)]
        return Figures(int(sessions), int(energy or 0), round(seconds or 0)), running

    async def drivers_made(self, organization_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(
            drivers.c.organization_id == organization_id,
            drivers.c.created_at >= start,
            drivers.c.created_at < end,
        )
        return int((await self.session.execute(query)).scalar_one())

    async def status(self, scope: Scope) -> StatusCounts:
        station_where = [stations.c.organization_id == scope.organization_id]
        if scope.site_ids is not None:
            station_where.append(stations.c.site_id.in_(sorted(scope.site_ids)))
        station_rows = await self.session.execute(
            select(stations.c.online, func.count())
            .where(*station_where)
            .group_by(stations.c.online)
        )
        connector_rows = await self.session.execute(
            select(stations.c.online, connectors.c.state, func.count())
            .select_from(connectors.join(stations, stations.c.id == connectors.c.station_id))
            .where(*station_where, connectors.c.connector_id > 0)
            .group_by(stations.c.online, connectors.c.state)
        )
        return status_counts(
            [(bool(online), int(count)) for online, count in station_rows],
            [(bool(online), str(state), int(count)) for online, state, count in connector_rows],
        )

    async def sites(self, scope: Scope) -> list[SitePoint]:
        site_where = [sites.c.organization_id == scope.organization_id]
        if scope.site_ids is not None:
            site_where.append(sites.c.id.in_(sorted(scope.site_ids)))
        counts = (
            select(
                stations.c.site_id.label("site_id"),
                func.count().label("stations"),
                func.sum(case((stations.c.online.is_(True), 1), else_=0)).label("online"),
            )
            .where(stations.c.organization_id == scope.organization_id)
            .group_by(stations.c.site_id)
            .subquery()
        )
        query = (
            select(
                sites.c.id,
                sites.c.name,
                sites.c.city,
                sites.c.timezone,
                sites.c.latitude,
                sites.c.longitude,
                func.coalesce(counts.c.stations, 0),
                func.coalesce(counts.c.online, 0),
            )
            .select_from(sites.outerjoin(counts, counts.c.site_id == sites.c.id))
            .where(*site_where)
            .order_by(sites.c.id)
        )
        return [
            SitePoint(
                id=int(row[0]),
                name=str(row[1]),
                city=str(row[2]),
                timezone=str(row[3]),
                latitude=row[4],
                longitude=row[5],
                stations=int(row[6]),
                stations_online=int(row[7]),
            )
            for row in await self.session.execute(query)
        ]

    async def import_history(
        self, transactions_: Sequence[Transaction], drivers_: Sequence[Driver]
    ) -> None:
        if transactions_:
            await self.session.execute(
                insert(transactions), [_transaction_row(t) for t in transactions_]
            )
        if drivers_:
            await self.session.execute(
                insert(drivers),
                [
                    {
                        "organization_id": d.organization_id,
                        "email": d.email,
                        "name": d.name,
                        "phone": d.phone,
                        "password_hash": d.password_hash,
                        "is_active": d.is_active,
                        "created_at": d.created_at,
                        "updated_at": d.updated_at,
                    }
                    for d in drivers_
                ],
            )


def _transaction_row(t: Transaction) -> dict[str, Any]:
    return {
        "organization_id": t.organization_id,
        "station_id": t.station_id,
        "evse_id": t.evse_id,
        "connector_id": t.connector_id,
        "id_tag": t.id_tag,
        "id_token_id": t.id_token_id,
        "auth_status": t.auth_status,
        "state": t.state,
        "start_time": t.start_time,
        "stop_time": t.stop_time,
        "meter_start_wh": t.meter_start_wh,
        "meter_stop_wh": t.meter_stop_wh,
        "energy_wh": t.energy_wh,
        "stop_reason": t.stop_reason,
        "stop_id_tag": t.stop_id_tag,
        "offline": t.offline,
        "flags": t.flags,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


def _crossing(
    zone: str,
    state: str,
    start: datetime,
    stop: datetime | None,
    energy: int | None,
    meter_start: int | None,
    last_meter: int | None,
    last_meter_at: datetime | None,
) -> Crossing:
    if state == TransactionState.COMPLETED:
        return Crossing(str(zone), start, stop, energy)
    return Crossing(
        str(zone), start, None, energy_delivered(meter_start, last_meter) or 0, last_meter_at
    )


@lru_cache(maxsize=256)
def _spans(zone: str, start: datetime, end: datetime) -> list[OffsetSpan]:
    """The same bounds come back all day (they are local midnights)."""
    return offset_spans(ZoneInfo(zone), start, end)


def _offset_case(
    zone: ColumnElement[Any], zones: list[str], start: datetime, end: datetime
) -> ColumnElement[Any]:
    """SQLite: the '+N minutes' modifier of each row's zone at the row's start time."""
    whens: list[tuple[ColumnElement[bool], str]] = []
    for name in zones:
        spans = _spans(name, start, end)
        # Newest span first: the first WHEN that holds wins.
        for span in reversed(spans):
            condition = zone == name
            if span.since is not None:
                condition = and_(condition, transactions.c.start_time >= span.since)
            whens.append((condition, f"{span.minutes:+d} minutes"))
    if not whens:
        return literal("+0 minutes")
    return case(*whens, else_="+0 minutes")
