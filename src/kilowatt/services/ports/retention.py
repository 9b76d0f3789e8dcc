"""Storage ports of retention: removing old rows in bounded batches."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol


class RetentionStore(Protocol):
    async def prune_messages(
        self, before: datetime, after: int, limit: int
    ) -> tuple[int, int | None]:
        """Of the ``limit`` oldest messages with ids above ``after``, remove those recorded
        before ``before``: how many went, and the id to go on after (None: no older ones are
        left)."""
        ...

    async def transactions_with_readings(self, after: int, limit: int) -> list[int]:
        """Up to ``limit`` ids of transactions above ``after`` that have readings, in order."""
        ...

    async def prune_readings(self, transaction_ids: Collection[int], limit: int) -> int:
        """Remove up to ``limit`` readings of those transactions; how many went."""
        ...

    async def prune_loose_readings(
        self, before: datetime, since: datetime | None, limit: int
    ) -> tuple[int, datetime | None]:
        """Remove up to ``limit`` of the oldest readings of no transaction taken before
        ``before`` (and not before ``since``): how many went, and the time to go on from (None:
        none are left)."""
        ...
