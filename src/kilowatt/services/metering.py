"""Meter readings, written by group commit: the most frequent message is the cheapest.

MeterValues is most of what a fleet sends. Each report is still answered only after it is
committed, but reports that arrive together share one database transaction (DESIGN rule 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kilowatt.domain.live import MeterValuesReported
from kilowatt.domain.metering import MeterRecord, SampledValue, register_readings
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


class MeteringService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, *, max_batch: int = 200
    ) -> None:
        super().__init__(uow, clock, bus)
        self._writer: GroupCommit[MeterReport] = GroupCommit(self._write, max_batch=max_batch)

    async def record(self, report: MeterReport) -> None:
        """Store one report's readings; returns once they are committed. Readings naming a
        transaction of another station, or none we know, are kept against the station."""
        await self._writer.submit(report)

    async def close(self) -> None:
        await self._writer.close()

    async def _write(self, reports: list[MeterReport]) -> None:
        async with self.uow() as uow:
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
            await uow.transactions.add_meter_values(records)
            await uow.commit()
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
