"""Storage ports of retention: removing old rows in bounded batches."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol


class RetentionStore(Protocol):
    async def prune_messages(self, before: datetime, limit: int) -> int:
        """Of the ``limit`` oldest messages of the log, remove those recorded before
        ``before``; how many went (fewer than ``limit``: none older are left)."""
        ...

    async def transactions_with_readings(self, after: int, limit: int) -> list[int]:
        """Up to ``limit`` ids of transactions above ``after`` that have readings, in order."""
        ...

    async def prune_readings(self, transaction_ids: Collection[int], limit: int) -> int:
        """Remove up to ``limit`` readings of those transactions; how many went."""
        ...

    async def prune_loose_readings(self, before: datetime, limit: int) -> int:
        """Remove up to ``limit`` readings of no transaction taken before ``before``."""
        ...
