from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select

from kilowatt.domain.metering import MeterRecord, SampledValue
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.transactions import Transaction, TransactionEventRecord, TransactionState
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.transactions import (
    meter_values,
    transaction_events,
    transactions,
)
from kilowatt.persistence.repositories.base import Repository, at_scoped_station, page_of
from kilowatt.services.ports import TransactionFilter


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
        query = select(Transaction).where(transactions.c.id.in_(transaction_ids))
        return list((await self.session.execute(query)).scalars())

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
            transactions.c.state == TransactionState.ACTIVE,
        )
        return list((await self.session.execute(query)).scalars())

    async def token_in_transaction(
        self, organization_id: int, id_tag: str, exclude: set[int] | None = None
    ) -> bool:
        query = select(transactions.c.id).where(
            transactions.c.organization_id == organization_id,
            func.lower(transactions.c.id_tag) == id_tag.lower(),
            transactions.c.state == TransactionState.ACTIVE,
        )
        if exclude:
            query = query.where(transactions.c.id.not_in(exclude))
        return (await self.session.execute(query.limit(1))).first() is not None

    async def add(self, transaction: Transaction) -> Transaction:
        return await self._add(transaction)

    async def search(
        self, scope: Scope, page: PageRequest, where: TransactionFilter
    ) -> Page[Transaction]:
        tx = transactions.c
        query = select(Transaction).where(
            tx.organization_id == scope.organization_id, at_scoped_station(tx.station_id, scope)
        )
        if where.station_id is not None:
            query = query.where(tx.station_id == where.station_id)
        if where.id_tag is not None:
            query = query.where(func.lower(tx.id_tag) == where.id_tag.lower())
        if where.state is not None:
            query = query.where(tx.state == where.state)
        if where.started_from is not None:
            query = query.where(tx.start_time >= where.started_from)
        if where.started_until is not None:
            query = query.where(tx.start_time < where.started_until)
        if where.flagged is not None:
            query = query.where(tx.flags != "" if where.flagged else tx.flags == "")
        return await page_of(self.session, query, tx.id, page, newest_first=True)

    async def count_for_station(self, station_id: int) -> int:
        query = (
            select(func.count())
            .select_from(transactions)
            .where(transactions.c.station_id == station_id)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def add_meter_values(self, records: Sequence[MeterRecord]) -> None:
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
        await (await self.session.connection()).execute(insert(meter_values), rows)

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
