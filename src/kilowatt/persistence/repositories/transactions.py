from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.exports import SessionRow
from kilowatt.domain.metering import (
    MeterRecord,
    ReadingKey,
    SampledValue,
    new_readings,
    reading_key,
)
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import AuthorizationStatus
from kilowatt.domain.transactions import (
    OPEN_STATES,
    Transaction,
    TransactionEventRecord,
    TransactionState,
)
from kilowatt.domain.users import Scope
from kilowatt.persistence.local_days import within_local_days
from kilowatt.persistence.models.drivers import drivers
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.models.stations import stations
from kilowatt.persistence.models.tokens import id_tokens
from kilowatt.persistence.models.transactions import (
    meter_values,
    transaction_events,
    transactions,
)
from kilowatt.persistence.repositories.base import (
    Repository,
    at_scoped_station,
    contains,
    page_of,
)
from kilowatt.services.ports import TransactionFilter


# Prebuilt statements of the hot path: built and cache-keyed once, not per batch.
@cache
def _by_ids() -> Select[Transaction]:
    """Built at first use: the mappers are set up at start (persistence/models), not at import."""
    return select(Transaction).where(transactions.c.id.in_(bindparam("ids", expanding=True)))


_LATEST_READING = (
    select(meter_values.c.timestamp)
    .where(meter_values.c.station_id == bindparam("station_id"))
    .order_by(meter_values.c.timestamp.desc())
    .limit(1)
)
_INSERT_READINGS = insert(meter_values)


def _matching(scope: Scope, where: TransactionFilter) -> list[ColumnElement[bool]]:
    """The conditions of ``where`` within ``scope``."""
    tx = transactions.c
    conditions = [
        tx.organization_id == scope.organization_id,
        at_scoped_station(tx.station_id, scope),
    ]
    if where.station_id is not None:
        conditions.append(tx.station_id == where.station_id)
    if where.site_id is not None:
        at_site = select(stations.c.id).where(stations.c.site_id == where.site_id)
        conditions.append(tx.station_id.in_(at_site))
    if where.id_tag is not None:
        conditions.append(func.lower(tx.id_tag) == where.id_tag.lower())
    if where.driver:
        named = (
            select(id_tokens.c.id)
            .join(drivers, drivers.c.id == id_tokens.c.driver_id)
            .where(
                drivers.c.organization_id == scope.organization_id,
                contains(drivers.c.name, where.driver) | contains(drivers.c.email, where.driver),
            )
        )
        conditions.append(tx.id_token_id.in_(named))
    if where.state is not None:
        conditions.append(tx.state == where.state)
    if where.started_from is not None:
        conditions.append(tx.start_time >= where.started_from)
    if where.started_until is not None:
        conditions.append(tx.start_time < where.started_until)
    if where.days is not None:
        conditions.append(within_local_days(tx.start_time, tx.station_id, where.days))
    if where.flagged is not None:
        conditions.append(tx.flags != "" if where.flagged else tx.flags == "")
    return conditions


class SqlTransactionRepository(Repository):
    async def get(self, scope: Scope, transaction_id: int) -> Transaction | None:
        query = select(Transaction).where(
            transactions.c.id == transaction_id,
            transactions.c.organization_id == scope.organization_id,
            at_scoped_station(transactions.c.station_id, scope),
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_ids(self, transaction_ids: set[int]) -> list[Transaction]:
        if not transaction_ids:
            return []
        found = await self.session.execute(_by_ids(), {"ids": sorted(transaction_ids)})
        return list(found.scalars())

    async def by_start_key(self, station_id: int, key: str) -> Transaction | None:
        query = select(Transaction).where(
            transactions.c.station_id == station_id, transactions.c.start_key == key
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_ocpp_id(self, station_id: int, ocpp_transaction_id: str) -> Transaction | None:
        query = select(Transaction).where(
            transactions.c.station_id == station_id,
            transactions.c.ocpp_transaction_id == ocpp_transaction_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_on_connector(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> list[Transaction]:
        query = select(Transaction).where(
            transactions.c.station_id == station_id,
            transactions.c.evse_id == evse_id,
            transactions.c.connector_id == connector_id,
            transactions.c.state.in_(OPEN_STATES),
        )
        return list((await self.session.execute(query)).scalars())

    async def open_on_evse(self, station_id: int, evse_id: int) -> list[Transaction]:
        query = select(Transaction).where(
            transactions.c.station_id == station_id,
            transactions.c.evse_id == evse_id,
            transactions.c.state == TransactionState.ACTIVE,
        )
        return list((await self.session.execute(query)).scalars())

    async def token_in_transaction(
        self, organization_id: int, id_tag: str, exclude: set[int] | None = None
    ) -> bool:
        query = select(transactions.c.id).where(
            transactions.c.organization_id == organization_id,
            func.lower(transactions.c.id_tag) == id_tag.lower(),
            # Only a running session holds its token; a refused start holds nothing.
            transactions.c.state == TransactionState.ACTIVE,
            transactions.c.auth_status == AuthorizationStatus.ACCEPTED.value,
        )
        if exclude:
            query = query.where(transactions.c.id.not_in(exclude))
        return (await self.session.execute(query.limit(1))).first() is not None

    async def add(self, transaction: Transaction) -> Transaction:
        return await self._add(transaction)

    async def search(
        self, scope: Scope, page: PageRequest, where: TransactionFilter
    ) -> Page[Transaction]:
        query = select(Transaction).where(*_matching(scope, where))
        return await page_of(self.session, query, transactions.c.id, page, newest_first=True)

    async def session_rows(
        self, scope: Scope, page: PageRequest, where: TransactionFilter, one: int | None = None
    ) -> Page[SessionRow]:
        """One query for a page of sessions and the names shown beside them."""
        tx = transactions.c
        query = (
            select(
                Transaction,
                stations.c.ocpp_id,
                stations.c.name,
                sites.c.id,
                sites.c.name,
                sites.c.timezone,
                drivers.c.id,
                drivers.c.name,
                drivers.c.email,
            )
            .join(stations, stations.c.id == tx.station_id)
            .outerjoin(sites, sites.c.id == stations.c.site_id)
            .outerjoin(id_tokens, id_tokens.c.id == tx.id_token_id)
            .outerjoin(drivers, drivers.c.id == id_tokens.c.driver_id)
            .where(*_matching(scope, where))
        )
        if one is not None:
            query = query.where(tx.id == one)
        if page.cursor is not None:
            query = query.where(tx.id < page.cursor)
        query = query.order_by(tx.id.desc()).limit(page.limit + 1)
        found = (await self.session.execute(query)).all()
        items = [
            SessionRow(
                transaction=row[0],
                station_ocpp_id=row[1],
                station_name=row[2] or "",
                site_id=row[3],
                site_name=row[4] or "",
                timezone=row[5] or "UTC",
                driver_id=row[6],
                driver_name=row[7] or row[8] or "",
            )
            for row in found[: page.limit]
        ]
        more = len(found) > page.limit
        return Page(items=items, next_cursor=items[-1].id if more and items else None)

    async def count(self, scope: Scope, where: TransactionFilter) -> int:
        query = select(func.count()).select_from(transactions).where(*_matching(scope, where))
        return int((await self.session.execute(query)).scalar_one())

    async def count_for_station(self, station_id: int) -> int:
        query = (
            select(func.count())
            .select_from(transactions)
            .where(transactions.c.station_id == station_id)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def add_meter_values(
        self, records: Sequence[MeterRecord], *, fresh: bool = False
    ) -> None:
        """Store the readings not stored yet (domain/metering.py ``reading_key``)."""
        if not records:
            return
        records = new_readings(records, set() if fresh else await self._stored_keys(records))
        if not records:
            return
        rows = [
            {
                "transaction_id": r.transaction_id,
                "station_id": r.station_id,
                "evse_id": r.evse_id,
                "connector_id": r.connector_id,
                "timestamp": r.sample.timestamp,
                "measurand": r.sample.measurand,
                "phase": r.sample.phase,
                "context": r.sample.context,
                "location": r.sample.location,
                "value": r.sample.value,
                "unit": r.sample.unit,
                "raw": r.sample.raw,
            }
            for r in records
        ]
        await (await self.session.connection()).execute(_INSERT_READINGS, rows)

    async def latest_readings(self, station_ids: Collection[int]) -> dict[int, datetime | None]:
        # One indexed look per station (ix_meter_values_station, newest first): a grouped
        # max() would read every reading of the stations.
        connection = await self.session.connection()
        return {
            station_id: (
                await connection.execute(_LATEST_READING, {"station_id": station_id})
            ).scalar_one_or_none()
            for station_id in sorted(station_ids)
        }

    async def _stored_keys(self, records: Sequence[MeterRecord]) -> set[ReadingKey]:
        """The keys of stored readings that ``records`` may repeat: at most two indexed
        queries (readings of transactions, readings of connectors), whatever the batch."""
        mv = meter_values.c
        columns = (
            mv.station_id,
            mv.evse_id,
            mv.connector_id,
            mv.transaction_id,
            mv.timestamp,
            mv.measurand,
            mv.phase,
            mv.location,
            mv.context,
            mv.value,
        )
        times = sorted({r.sample.timestamp for r in records})
        of_transactions = {r.transaction_id for r in records if r.transaction_id is not None}
        of_stations = {r.station_id for r in records if r.transaction_id is None}
        queries = []
        if of_transactions:
            queries.append(
                select(*columns).where(
                    mv.transaction_id.in_(sorted(of_transactions)), mv.timestamp.in_(times)
                )
            )
        if of_stations:
            queries.append(
                select(*columns).where(
                    mv.station_id.in_(sorted(of_stations)),
                    mv.transaction_id.is_(None),
                    mv.timestamp.in_(times),
                )
            )
        keys: set[ReadingKey] = set()
        for query in queries:
            for row in await self.session.execute(query):
                keys.add(
                    reading_key(
                        MeterRecord(
                            row.station_id,
                            row.evse_id,
                            row.connector_id,
                            row.transaction_id,
                            SampledValue(
                                timestamp=row.timestamp,
                                measurand=row.measurand,
                                value=row.value,
                                unit="",
                                phase=row.phase,
                                context=row.context,
                                location=row.location,
                            ),
                        )
                    )
                )
        return keys

    async def event_seqs(self, transaction_id: int) -> set[int]:
        query = select(transaction_events.c.seq_no).where(
            transaction_events.c.transaction_id == transaction_id
        )
        return set((await self.session.execute(query)).scalars())

    async def add_event(self, event: TransactionEventRecord) -> None:
        await self._add(event)

    async def events(self, transaction_id: int) -> list[TransactionEventRecord]:
        query = (
            select(TransactionEventRecord)
            .where(transaction_events.c.transaction_id == transaction_id)
            .order_by(transaction_events.c.seq_no)
        )
        return list((await self.session.execute(query)).scalars())

    async def meter_values(self, transaction_ids: Sequence[int]) -> list[MeterRecord]:
        if not transaction_ids:
            return []
        mv = meter_values.c
        query = (
            select(meter_values)
            .where(mv.transaction_id.in_(list(transaction_ids)))
            .order_by(mv.transaction_id, mv.timestamp, mv.id)
        )
        rows = (await self.session.execute(query)).mappings()
        return [
            MeterRecord(
                station_id=row["station_id"],
                evse_id=row["evse_id"],
                connector_id=row["connector_id"],
                transaction_id=row["transaction_id"],
                sample=SampledValue(
                    timestamp=row["timestamp"],
                    measurand=row["measurand"],
                    value=row["value"],
                    unit=row["unit"],
                    phase=row["phase"],
                    context=row["context"],
                    location=row["location"],
                    raw=row["raw"],
                ),
            )
            for row in rows
        ]
