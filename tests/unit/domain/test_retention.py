"""Retention: what the message log and meter readings keep, and for how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.retention import cutoff, newer_than, readings_expired
from kilowatt.domain.transactions import Transaction, TransactionState

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BEFORE = NOW - timedelta(days=90)


def session(state: TransactionState, created: datetime, updated: datetime) -> Transaction:
    return Transaction(
        organization_id=1,
        station_id=1,
        evse_id=1,
        connector_id=1,
        id_tag="TAG",
        start_time=created,
        meter_start_wh=0,
        state=state,
        created_at=created,
        updated_at=updated,
        id=1,
    )


def test_zero_days_keeps_everything() -> None:
    assert cutoff(NOW, 0) is None
    assert cutoff(NOW, 30) == NOW - timedelta(days=30)


@pytest.mark.parametrize("state", [TransactionState.ACTIVE, TransactionState.REFUSED])
def test_an_open_sessions_readings_are_kept_however_old(state: TransactionState) -> None:
    ancient = BEFORE - timedelta(days=400)
    assert not readings_expired(session(state, ancient, ancient), BEFORE)


def test_a_finished_session_keeps_its_readings_for_the_retention_after_its_last_change() -> None:
    long_ago = BEFORE - timedelta(days=10)
    finished = TransactionState.COMPLETED
    assert readings_expired(session(finished, long_ago, long_ago), BEFORE)
    # Begun long ago, but stopped (or corrected) within the retention: kept.
    assert not readings_expired(session(finished, long_ago, BEFORE + timedelta(days=1)), BEFORE)
    assert not readings_expired(session(finished, long_ago, BEFORE), BEFORE)


def test_sessions_recorded_after_the_cutoff_end_the_walk() -> None:
    assert newer_than(session(TransactionState.COMPLETED, BEFORE, BEFORE), BEFORE)
    earlier = BEFORE - timedelta(seconds=1)
    assert not newer_than(session(TransactionState.COMPLETED, earlier, earlier), BEFORE)
