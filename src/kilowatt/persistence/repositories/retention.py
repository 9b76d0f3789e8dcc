"""Old rows removed in bounded batches: each statement deletes at most ``limit`` rows found by
an index, so a large table is never locked for long and no statement scans it whole."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, select

from kilowatt.persistence.models.events import ocpp_messages
from kilowatt.persistence.models.transactions import meter_values
from kilowatt.persistence.repositories.base import Repository


def _count(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


class SqlRetentionStore(Repository):
    async def prune_messages(self, before: datetime, limit: int) -> int:
        # The oldest rows by id (the primary key), not "created_at < before" over the table:
        # once nothing old is left, that would scan every row to find none. Ids follow the
        # order frames were written in, so the oldest window holds the oldest messages.
        log = ocpp_messages.c
        oldest = select(log.id, log.created_at).order_by(log.id).limit(limit).subquery()
        doomed = select(oldest.c.id).where(oldest.c.created_at < before)
        return _count(await self.session.execute(delete(ocpp_messages).where(log.id.in_(doomed))))

    async def transactions_with_readings(self, after: int, limit: int) -> list[int]:
        column = meter_values.c.transaction_id
        query = select(column).where(column > after).distinct().order_by(column).limit(limit)
        return [int(value) for value in (await self.session.execute(query)).scalars()]

    async def prune_readings(self, transaction_ids: Collection[int], limit: int) -> int:
        if not transaction_ids:
            return 0
        values = meter_values.c
        doomed = (
            select(values.id).where(values.transaction_id.in_(sorted(transaction_ids))).limit(limit)
        )
        return _count(await self.session.execute(delete(meter_values).where(values.id.in_(doomed))))

    async def prune_loose_readings(self, before: datetime, limit: int) -> int:
        values = meter_values.c
        doomed = (
            select(values.id)
            .where(values.transaction_id.is_(None), values.timestamp < before)
            .limit(limit)
        )
        return _count(await self.session.execute(delete(meter_values).where(values.id.in_(doomed))))
