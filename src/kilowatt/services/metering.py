"""Meter readings, written by group commit: the most frequent message is the cheapest.

MeterValues is most of what a fleet sends. Each report is still answered only after it is
committed, but reports that arrive together share one database transaction (DESIGN rule 7).
A reading newer than any this node stored for its station is new: it is written without
first asking the database whether it is a replay (``ReadingMemory``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kilowatt.domain.live import MeterValuesReported
from kilowatt.domain.metering import (
    MeterRecord,
    SampledValue,
    reading_key,
    register_readings,
)
from kilowatt.domain.stations import StationRef
from kilowatt.domain.transactions import Transaction, observe_register
from kilowatt.services.base import Service
from kilowatt.services.batching import GroupCommit
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class MeterReport:
    """Readings from one MeterValues message."""

    station: StationRef
    evse_id: int
    connector_id: int
    transaction_id: int | None
    """The 1.6 transactionId the station named, if any."""
    samples: Sequence[SampledValue]


Scope = tuple[int, int, int, int | None]
"""Where a reading is one of a kind: its transaction, or without one its station's EVSE and
connector (the head of domain/metering.py's ``reading_key``)."""


def _scope(record: MeterRecord) -> Scope:
    station, evse, connector, transaction = reading_key(record)[:4]
    return station, evse, connector, transaction


@dataclass(slots=True)
class _Known:
    floor: datetime | None
    """The newest reading of the station stored when this node began to hold it."""
    scopes: dict[Scope, datetime] = field(default_factory=dict)
    """The newest reading this node stored since, per scope."""


class ReadingMemory:
    """Per station this node holds: the newest reading stored, so that a report newer than it
    is known to be new without a query for replays. A replay repeats a reading's time, so it
    is never newer, and is checked against the database as before.

    Only the node that holds a station's connection writes its readings, and a station's
    messages come one at a time: the memory is read from the database once per connection
    (``seed``), forgotten when the station connects again, and forgotten when readings reach
    the database by another path (a stop's or a 2.0.1 event's readings)."""

    def __init__(self) -> None:
        self._stations: dict[int, _Known] = {}

    def unknown(self, station_ids: Collection[int]) -> set[int]:
        return {s for s in station_ids if s not in self._stations}

    def seed(self, latest: Mapping[int, datetime | None]) -> None:
        for station_id, at in latest.items():
            self._stations.setdefault(station_id, _Known(at))

    def forget(self, station_id: int) -> None:
        self._stations.pop(station_id, None)

    def fresh(self, records: Sequence[MeterRecord]) -> bool:
        """Every record is newer than any stored reading of its scope."""
        for record in records:
            known = self._stations.get(record.station_id)
            if known is None:
                return False
            at = record.sample.timestamp
            if known.floor is not None and at <= known.floor:
                return False
            last = known.scopes.get(_scope(record))
            if last is not None and at <= last:
                return False
        return True

    def stored(self, records: Sequence[MeterRecord]) -> None:
        for record in records:
            known = self._stations.get(record.station_id)
            if known is None:
                continue
            scope = _scope(record)
            last = known.scopes.get(scope)
            if last is None or record.sample.timestamp > last:
                known.scopes[scope] = record.sample.timestamp


class MeteringService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        max_batch: int = 200,
        readings: ReadingMemory | None = None,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.readings = readings or ReadingMemory()
        self._writer: GroupCommit[MeterReport] = GroupCommit(
            self._write, max_batch=max_batch, linger=0.025
        )

    async def record(self, report: MeterReport) -> None:
        """Store one report's readings; returns once they are committed. Readings naming a
        transaction of another station, or none we know, are kept against the station."""
        await self._writer.submit(report)

    async def close(self) -> None:
        await self._writer.close()

    async def _write(self, reports: list[MeterReport]) -> None:
        async with self.uow() as uow:
            unknown = self.readings.unknown({r.station.id for r in reports})
            if unknown:
                self.readings.seed(await uow.transactions.latest_readings(unknown))
            transactions = await self._transactions(uow, reports)
            records: list[MeterRecord] = []
            for report in reports:
                transaction = transactions.get((report.station.id, report.transaction_id))
                if transaction is not None:
                    for at, context, wh in register_readings(list(report.samples)):
                        observe_register(transaction, wh, at, context)
                tx_id = transaction.id if transaction else None
                records += [
                    MeterRecord(report.station.id, report.evse_id, report.connector_id, tx_id, s)
                    for s in report.samples
                ]
            await uow.transactions.add_meter_values(records, fresh=self.readings.fresh(records))
            await uow.commit()
        self.readings.stored(records)
        for report in reports:
            transaction = transactions.get((report.station.id, report.transaction_id))
            self.bus.publish(
                MeterValuesReported.of(
                    report.station.ocpp_id,
                    report.evse_id,
                    report.connector_id,
                    transaction,
                    report.samples,
                )
            )

    @staticmethod
    async def _transactions(
        uow: UnitOfWork, reports: list[MeterReport]
    ) -> dict[tuple[int, int | None], Transaction]:
        """The transactions the reports name, in one query; a 1.6 id we never assigned may
        be a stop we kept for a transaction we never started."""
        wanted = {(r.station.id, r.transaction_id) for r in reports if r.transaction_id}
        found = {
            (t.station_id, t.id): t
            for t in await uow.transactions.by_ids({tx_id for _, tx_id in wanted if tx_id})
        }
        for station_id, tx_id in wanted - set(found):
            assert tx_id is not None
            orphan = await uow.transactions.by_ocpp_id(station_id, str(tx_id))
            if orphan is not None:
                found[(station_id, tx_id)] = orphan
        return {key: tx for key, tx in found.items() if key in wanted}
