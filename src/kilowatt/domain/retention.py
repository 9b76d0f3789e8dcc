"""How long Kilowatt keeps what piles up: the raw OCPP message log and meter readings.

A retention of 0 days keeps everything. Readings of a charging session are evidence for its
bill: they are kept while the session is open and for the whole retention after Kilowatt last
recorded anything about it (server time, not the station's clock), so a session is never pruned
younger than the retention; readings outside any session go by their own timestamp.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kilowatt.domain.transactions import OPEN_STATES, Transaction

KEEP_FOREVER = 0


def cutoff(now: datetime, days: int) -> datetime | None:
    """Records older than this go; None: keep everything."""
    if days <= KEEP_FOREVER:
        return None
    return now - timedelta(days=days)


def readings_expired(transaction: Transaction, before: datetime) -> bool:
    """Whether a session's readings may go: it ended, and nothing about it was recorded since
    ``before``."""
    return transaction.state not in OPEN_STATES and transaction.updated_at < before


def newer_than(transaction: Transaction, before: datetime) -> bool:
    """Recorded after ``before``: so are all sessions after it (ids follow recording order)."""
    return transaction.created_at >= before
