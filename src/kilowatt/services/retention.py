"""Removing what Kilowatt no longer keeps (domain/retention.py says what): the raw OCPP message
log and meter readings, in batches of ``batch`` rows, each its own unit of work, so that
stations' writes go on between them and a large backlog never holds the database."""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog

from kilowatt.domain.retention import cutoff, newer_than, readings_expired
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWorkFactory

log = structlog.get_logger(__name__)

CANDIDATES = 200
"""Sessions looked at per step while walking those that have readings."""


class RetentionService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        message_log_days: int,
        meter_values_days: int,
        batch: int,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.message_log_days = message_log_days
        self.meter_values_days = meter_values_days
        self.batch = batch

    async def prune_message_log(self) -> int:
        """Remove messages older than the message log's retention; how many went."""
        before = cutoff(self.clock.now(), self.message_log_days)
        if before is None:
            return 0
        removed = 0
        after: int | None = 0
        while after is not None:
            async with self.uow() as uow:
                count, after = await uow.retention.prune_messages(before, after, self.batch)
                await uow.commit()
            removed += count
            await asyncio.sleep(0)  # let the writers waiting meanwhile go first
        if removed:
            log.info("message log pruned", messages=removed, before=before.isoformat())
        return removed

    async def prune_meter_values(self) -> int:
        """Remove readings past the meter values' retention: those of sessions that ended and
        were not touched since the cutoff, and those of no session taken before it."""
        before = cutoff(self.clock.now(), self.meter_values_days)
        if before is None:
            return 0
        removed = 0
        after = 0
        walking = True
        while walking:
            async with self.uow(readonly=True) as uow:
                ids = await uow.retention.transactions_with_readings(after, CANDIDATES)
                found = sorted(await uow.transactions.by_ids(set(ids)), key=lambda t: t.id or 0)
            if len(ids) < CANDIDATES:
                walking = False
            expired: list[int] = []
            for transaction in found:
                assert transaction.id is not None
                if newer_than(transaction, before):
                    walking = False
                    break
                if readings_expired(transaction, before):
                    expired.append(transaction.id)
            if ids:
                after = ids[-1]
            removed += await self._remove_readings(expired)
        since: datetime | None = None
        while True:
            async with self.uow() as uow:
                count, since = await uow.retention.prune_loose_readings(before, since, self.batch)
                await uow.commit()
            removed += count
            if since is None:
                break
            await asyncio.sleep(0)
        if removed:
            log.info("meter values pruned", readings=removed, before=before.isoformat())
        return removed

    async def _remove_readings(self, transaction_ids: list[int]) -> int:
        removed = 0
        while transaction_ids:
            async with self.uow() as uow:
                count = await uow.retention.prune_readings(transaction_ids, self.batch)
                await uow.commit()
            removed += count
            if count < self.batch:
                break
            await asyncio.sleep(0)
        return removed
