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
    async def prune_messages(
        self, before: datetime, after: int, limit: int
    ) -> tuple[int, int | None]:
        # The oldest rows by id (the primary key), from where the last batch ended: not
        # "created_at < before" over the table, which once nothing old is left would scan every
        # row to find none, nor from the start of the index, which PostgreSQL would walk over
        # the dead entries of every batch before. Ids follow the order frames were written in.
        log = ocpp_messages.c
        window = (
            await self.session.execute(
                select(log.id, log.created_at).where(log.id > after).order_by(log.id).limit(limit)
            )
        ).all()
        if not window:
            return 0, None
        doomed = [row.id for row in window if row.created_at < before]
        if doomed:
            await self.session.execute(delete(ocpp_messages).where(log.id.in_(doomed)))
        young = len(doomed) < len(window)
        return len(doomed), None if young else int(window[-1].id)

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

    async def prune_loose_readings(
        self, before: datetime, since: datetime | None, limit: int
    ) -> tuple[int, datetime | None]:
        values = meter_values.c
        # By (transaction_id, timestamp): the index ix_meter_values_tx, from where the last
        # batch ended.
        query = select(values.id, values.timestamp).where(
            values.transaction_id.is_(None), values.timestamp < before
        )
        if since is not None:
            query = query.where(values.timestamp >= since)
        window = (await self.session.execute(query.order_by(values.timestamp).limit(limit))).all()
        if not window:
            return 0, None
        await self.session.execute(
            delete(meter_values).where(values.id.in_([row.id for row in window]))
        )
        return len(window), None if len(window) < limit else window[-1].timestamp
