"""Transaction state: opening, closing, replays, suspect data and live energy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.tokens import AuthorizationStatus
from kilowatt.domain.transactions import (
    BEGIN_CONTEXT,
    CLOCK_SKEW,
    EARLIEST_PLAUSIBLE,
    ReviewFlag,
    StopData,
    StopReason,
    Transaction,
    TransactionState,
    close_transaction,
    energy_delivered,
    live_energy_wh,
    observe_register,
    open_transaction,
    orphan_stop,
    start_key,
    supersede,
)
from tests.support.records import fields

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=2)
TICK = timedelta(microseconds=1)


def open_tx(
    *,
    start_time: datetime = START,
    meter_start_wh: int = 10_000,
    auth_status: AuthorizationStatus = AuthorizationStatus.ACCEPTED,
    now: datetime = START,
) -> Transaction:
    return open_transaction(
        organization_id=1,
        station_id=2,
        evse_id=3,
        connector_id=1,
        id_tag="TAG1",
        id_token_id=9,
        start_time=start_time,
        meter_start_wh=meter_start_wh,
        auth_status=auth_status,
        now=now,
        key="k",
        ocpp_transaction_id="77",
        reservation_id=5,
    )


def snapshot(tx: Transaction) -> dict[str, object]:
    return fields(tx)


# --- open_transaction ----------------------------------------------------------------------


def test_open_transaction_fields() -> None:
    tx = open_tx(now=NOW)
    assert tx.state is TransactionState.ACTIVE
    assert tx.is_active
    assert not tx.stop_received
    assert (tx.organization_id, tx.station_id, tx.evse_id, tx.connector_id) == (1, 2, 3, 1)
    assert (tx.id_tag, tx.id_token_id) == ("TAG1", 9)
    assert (tx.start_time, tx.meter_start_wh) == (START, 10_000)
    assert (tx.created_at, tx.updated_at) == (NOW, NOW)
    assert (tx.start_key, tx.ocpp_transaction_id, tx.reservation_id) == ("k", "77", 5)
    assert tx.auth_status == "Accepted"
    assert tx.flags == []
    assert tx.stop_time is None
    assert tx.meter_stop_wh is None
    assert tx.energy_wh is None


@pytest.mark.parametrize(
    "status",
    [s for s in AuthorizationStatus if s is not AuthorizationStatus.ACCEPTED],
)
def test_open_unauthorized_transaction_is_refused_and_flagged(status: AuthorizationStatus) -> None:
    tx = open_tx(auth_status=status)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]
    assert tx.auth_status == status.value
    # Not a running session, but still open for the stop the station owes.
    assert tx.state is TransactionState.REFUSED
    assert not tx.is_active
    assert tx.is_open
    assert not tx.stop_received


def test_open_start_within_clock_skew_is_not_flagged() -> None:
    assert open_tx(start_time=NOW + CLOCK_SKEW, now=NOW).flags == []


def test_open_start_beyond_clock_skew_is_in_the_future() -> None:
    tx = open_tx(start_time=NOW + CLOCK_SKEW + TICK, now=NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value]


def test_open_start_at_earliest_plausible_is_not_too_old_but_late() -> None:
    # Not a clock that was never set; but a start that arrives years after it happened.
    assert open_tx(start_time=EARLIEST_PLAUSIBLE, now=NOW).flags == [
        ReviewFlag.TIMESTAMP_IN_PAST.value
    ]


def test_open_start_before_2010_is_too_old() -> None:
    tx = open_tx(start_time=EARLIEST_PLAUSIBLE - TICK, now=NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_TOO_OLD.value]


def test_open_start_in_1970() -> None:
    tx = open_tx(start_time=datetime(1970, 1, 1, tzinfo=UTC), now=NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_TOO_OLD.value]


def test_open_flags_combine_time_and_authorization() -> None:
    tx = open_tx(
        start_time=NOW + timedelta(days=1), now=NOW, auth_status=AuthorizationStatus.BLOCKED
    )
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value, ReviewFlag.NOT_AUTHORIZED.value]


# --- close_transaction ---------------------------------------------------------------------


def test_close_records_the_stop() -> None:
    tx = open_tx()
    stop = StopData(timestamp=NOW, meter_stop_wh=25_500, reason="EVDisconnected", id_tag="TAG1")
    assert close_transaction(tx, stop, NOW) is True
    assert tx.state is TransactionState.COMPLETED
    assert not tx.is_active
    assert tx.stop_received
    assert tx.stop_time == NOW
    assert tx.meter_stop_wh == 25_500
    assert tx.energy_wh == 15_500
    assert tx.stop_reason == "EVDisconnected"
    assert tx.stop_id_tag == "TAG1"
    assert (tx.last_meter_wh, tx.last_meter_at) == (25_500, NOW)
    assert tx.updated_at == NOW
    assert tx.flags == []


def test_close_without_reason_means_local() -> None:
    tx = open_tx()
    close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=10_000), NOW)
    assert tx.stop_reason == StopReason.LOCAL.value == "Local"
    assert tx.stop_id_tag is None
    assert tx.energy_wh == 0


def test_replayed_stop_returns_false_and_changes_nothing() -> None:
    tx = open_tx()
    close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=20_000, reason="Remote"), NOW)
    before = snapshot(tx)
    later = NOW + timedelta(hours=1)
    replay = StopData(timestamp=later, meter_stop_wh=1, reason="Other", id_tag="X")
    assert close_transaction(tx, replay, later) is False
    assert snapshot(tx) == before
    assert tx.energy_wh == 10_000
    assert tx.updated_at == NOW


def test_meter_going_backwards_is_flagged_and_has_no_energy() -> None:
    tx = open_tx(meter_start_wh=10_000)
    assert close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=9_999), NOW) is True
    assert tx.energy_wh is None
    assert tx.meter_stop_wh == 9_999
    assert tx.flags == [ReviewFlag.METER_STOP_BELOW_START.value]
    assert live_energy_wh(tx) is None


def test_stop_before_start_is_flagged() -> None:
    tx = open_tx(start_time=START)
    close_transaction(tx, StopData(timestamp=START - TICK, meter_stop_wh=10_500), NOW)
    assert tx.flags == [ReviewFlag.STOP_BEFORE_START.value]
    assert tx.energy_wh == 500


def test_stop_at_start_time_is_not_flagged() -> None:
    tx = open_tx(start_time=START)
    close_transaction(tx, StopData(timestamp=START, meter_stop_wh=10_000), NOW)
    assert tx.flags == []


def test_stop_in_future_is_flagged() -> None:
    tx = open_tx()
    close_transaction(tx, StopData(timestamp=NOW + CLOCK_SKEW + TICK, meter_stop_wh=10_001), NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value]


def test_stop_within_clock_skew_is_not_flagged() -> None:
    tx = open_tx()
    close_transaction(tx, StopData(timestamp=NOW + CLOCK_SKEW, meter_stop_wh=10_001), NOW)
    assert tx.flags == []


def test_stop_too_old_is_also_before_start() -> None:
    tx = open_tx()
    old = datetime(1970, 1, 1, tzinfo=UTC)
    close_transaction(tx, StopData(timestamp=old, meter_stop_wh=5), NOW)
    assert tx.flags == [
        ReviewFlag.TIMESTAMP_TOO_OLD.value,
        ReviewFlag.STOP_BEFORE_START.value,
        ReviewFlag.METER_STOP_BELOW_START.value,
    ]


def test_close_keeps_earlier_flags_once() -> None:
    tx = open_tx(auth_status=AuthorizationStatus.INVALID)
    close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=10_100), NOW)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]


def test_close_does_not_duplicate_a_time_flag() -> None:
    tx = open_tx(start_time=NOW + timedelta(days=2), now=NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value]
    close_transaction(tx, StopData(timestamp=NOW + timedelta(days=3), meter_stop_wh=10_100), NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value]


def test_close_without_a_stop_reading_uses_the_latest_reading() -> None:
    tx = open_tx(meter_start_wh=10_000)
    seen = NOW - timedelta(minutes=3)
    observe_register(tx, 17_250, seen)
    assert close_transaction(tx, StopData(timestamp=NOW, reason="EVDisconnected"), NOW) is True
    assert (tx.meter_stop_wh, tx.energy_wh) == (17_250, 7_250)
    # the stop reading is the latest one and keeps its own time, so that a reading taken
    # before the stop but arriving after it can still replace it
    assert (tx.last_meter_wh, tx.last_meter_at) == (17_250, seen)
    assert tx.flags == []
    assert tx.stop_received


def test_close_without_a_stop_reading_below_start_is_flagged() -> None:
    tx = open_tx(meter_start_wh=10_000)
    observe_register(tx, 9_000, NOW - timedelta(minutes=3))
    close_transaction(tx, StopData(timestamp=NOW), NOW)
    assert (tx.meter_stop_wh, tx.energy_wh) == (9_000, None)
    assert tx.flags == [ReviewFlag.METER_STOP_BELOW_START.value]


def test_close_without_any_reading_knows_no_energy_and_flags_nothing() -> None:
    tx = open_tx(meter_start_wh=10_000)
    assert close_transaction(tx, StopData(timestamp=NOW, reason="Remote"), NOW) is True
    assert tx.state is TransactionState.COMPLETED
    assert (tx.meter_stop_wh, tx.energy_wh) == (None, None)
    assert (tx.last_meter_wh, tx.last_meter_at) == (None, None)
    assert (tx.stop_time, tx.stop_reason) == (NOW, "Remote")
    assert tx.flags == []
    assert tx.stop_received
    assert live_energy_wh(tx) is None
    # a stop without a reading is still a stop: a second one changes nothing
    before = snapshot(tx)
    assert close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=20_000), NOW) is False
    assert snapshot(tx) == before


# --- stop_received -------------------------------------------------------------------------


def test_stop_received_is_about_the_state_not_the_meter() -> None:
    tx = open_tx()
    tx.meter_stop_wh = 20_000  # a reading alone does not stop a running transaction
    assert not tx.stop_received


def test_stop_received_after_supersede_only_once_the_stop_comes() -> None:
    tx = open_tx()
    supersede(tx, NOW)
    assert tx.state is TransactionState.COMPLETED
    assert not tx.stop_received
    close_transaction(tx, StopData(timestamp=NOW), NOW)
    assert tx.stop_received


# --- supersede and the late stop -----------------------------------------------------------


def test_supersede_closes_with_the_last_reading() -> None:
    tx = open_tx()
    seen = START + timedelta(minutes=30)
    observe_register(tx, 14_000, seen)
    supersede(tx, NOW)
    assert tx.state is TransactionState.COMPLETED
    assert tx.stop_reason == "Other"
    assert tx.stop_time == seen
    assert tx.energy_wh == 4_000
    assert tx.meter_stop_wh is None
    assert not tx.stop_received
    assert tx.flags == [ReviewFlag.NO_STOP_RECEIVED.value]
    assert tx.updated_at == NOW
    assert live_energy_wh(tx) == 4_000


def test_supersede_without_readings_knows_no_energy() -> None:
    tx = open_tx()
    supersede(tx, NOW)
    assert tx.state is TransactionState.COMPLETED
    assert tx.stop_time is None
    assert tx.energy_wh is None
    assert tx.flags == [ReviewFlag.NO_STOP_RECEIVED.value]
    assert live_energy_wh(tx) is None


def test_supersede_with_a_meter_gone_backwards() -> None:
    tx = open_tx(meter_start_wh=10_000)
    observe_register(tx, 500, START + timedelta(minutes=1))
    supersede(tx, NOW)
    assert tx.energy_wh is None
    assert live_energy_wh(tx) is None


def test_late_stop_completes_a_superseded_transaction() -> None:
    tx = open_tx(auth_status=AuthorizationStatus.BLOCKED)
    observe_register(tx, 12_000, START + timedelta(minutes=10))
    supersede(tx, NOW)
    late = NOW + timedelta(minutes=5)
    stop = StopData(timestamp=NOW - timedelta(minutes=1), meter_stop_wh=13_000, reason="Local")
    assert close_transaction(tx, stop, late) is True
    assert ReviewFlag.NO_STOP_RECEIVED.value not in tx.flags
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]
    assert tx.stop_time == NOW - timedelta(minutes=1)
    assert tx.energy_wh == 3_000
    assert tx.stop_reason == "Local"
    assert tx.updated_at == late
    # and the stop, once recorded, is not recorded twice
    assert close_transaction(tx, stop, late) is False


# --- orphan_stop ---------------------------------------------------------------------------


def test_orphan_stop_record() -> None:
    stop = StopData(timestamp=NOW, meter_stop_wh=42_000, reason="Remote", id_tag="CARD")
    tx = orphan_stop(organization_id=1, station_id=2, ocpp_transaction_id="999", stop=stop, now=NOW)
    assert tx.state is TransactionState.COMPLETED
    assert (tx.evse_id, tx.connector_id) == (0, 0)
    assert tx.id_tag == "CARD"
    assert tx.stop_id_tag == "CARD"
    assert tx.start_time == tx.stop_time == NOW
    assert tx.meter_start_wh == tx.meter_stop_wh == 42_000
    assert tx.energy_wh is None
    assert tx.stop_reason == "Remote"
    assert tx.auth_status == AuthorizationStatus.UNKNOWN.value
    assert tx.ocpp_transaction_id == "999"
    assert (tx.last_meter_wh, tx.last_meter_at) == (42_000, NOW)
    assert tx.flags == [ReviewFlag.UNKNOWN_TRANSACTION.value]
    assert tx.stop_received
    assert live_energy_wh(tx) is None


def test_orphan_stop_defaults_and_time_flags() -> None:
    stop = StopData(timestamp=datetime(2001, 1, 1, tzinfo=UTC), meter_stop_wh=1)
    tx = orphan_stop(organization_id=1, station_id=2, ocpp_transaction_id="5", stop=stop, now=NOW)
    assert tx.id_tag == ""
    assert tx.stop_id_tag is None
    assert tx.stop_reason == "Other"
    assert tx.flags == [ReviewFlag.UNKNOWN_TRANSACTION.value, ReviewFlag.TIMESTAMP_TOO_OLD.value]


def test_orphan_stop_replay_changes_nothing() -> None:
    stop = StopData(timestamp=NOW, meter_stop_wh=100)
    tx = orphan_stop(organization_id=1, station_id=2, ocpp_transaction_id="5", stop=stop, now=NOW)
    before = snapshot(tx)
    assert close_transaction(tx, stop, NOW + timedelta(hours=1)) is False
    assert snapshot(tx) == before


# --- observe_register (1.6: the start reading is fixed by meterStart) ----------------------


def test_observe_register_keeps_the_latest_reading() -> None:
    tx = open_tx()
    t1, t2 = START + timedelta(minutes=1), START + timedelta(minutes=2)
    observe_register(tx, 11_000, t1)
    assert (tx.last_meter_wh, tx.last_meter_at) == (11_000, t1)
    observe_register(tx, 12_000, t2)
    assert (tx.last_meter_wh, tx.last_meter_at) == (12_000, t2)


def test_observe_register_ignores_an_older_reading_for_the_latest() -> None:
    tx = open_tx()
    t1, t2 = START + timedelta(minutes=1), START + timedelta(minutes=2)
    observe_register(tx, 12_000, t2)
    observe_register(tx, 11_000, t1)
    assert (tx.last_meter_wh, tx.last_meter_at) == (12_000, t2)


def test_observe_register_same_timestamp_overwrites() -> None:
    tx = open_tx()
    t1 = START + timedelta(minutes=1)
    observe_register(tx, 11_000, t1)
    observe_register(tx, 11_500, t1)
    assert (tx.last_meter_wh, tx.last_meter_at) == (11_500, t1)


@pytest.mark.parametrize("context", [None, "Sample.Periodic", BEGIN_CONTEXT, "Transaction.End"])
def test_observe_register_never_moves_a_start_the_protocol_fixed(context: str | None) -> None:
    tx = open_tx(meter_start_wh=10_000)
    assert tx.meter_start_at is None
    observe_register(tx, 9_000, START - timedelta(minutes=5), context)
    observe_register(tx, 9_500, START, context)
    assert (tx.meter_start_wh, tx.meter_start_at) == (10_000, None)


@pytest.mark.parametrize("minutes", [-1, 0, 1])
def test_observe_register_after_the_stop_keeps_the_stop_reading(minutes: int) -> None:
    tx = open_tx()
    close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=20_000), NOW)
    before = snapshot(tx)
    observe_register(tx, 15_000 + minutes, NOW + timedelta(minutes=minutes))
    assert snapshot(tx) == before
    assert (tx.last_meter_wh, tx.last_meter_at) == (20_000, NOW)
    assert (tx.meter_stop_wh, tx.energy_wh) == (20_000, 10_000)


def test_observe_register_after_supersede_still_follows_the_meter() -> None:
    # Superseded is not stopped: a late reading is still the latest one seen.
    tx = open_tx()
    observe_register(tx, 11_000, START + timedelta(minutes=1))
    supersede(tx, NOW)
    assert not tx.stop_received
    observe_register(tx, 12_000, START + timedelta(minutes=2))
    assert (tx.last_meter_wh, tx.last_meter_at) == (12_000, START + timedelta(minutes=2))
    assert tx.meter_start_wh == 10_000


def test_live_energy_of_a_fresh_transaction_is_zero() -> None:
    assert live_energy_wh(open_tx()) == 0


def test_live_energy_follows_the_meter() -> None:
    tx = open_tx(meter_start_wh=10_000)
    observe_register(tx, 10_750, START + timedelta(minutes=5))
    assert live_energy_wh(tx) == 750


def test_live_energy_with_a_meter_below_start_is_unknown() -> None:
    tx = open_tx(meter_start_wh=10_000)
    observe_register(tx, 9_000, START + timedelta(minutes=5))
    assert live_energy_wh(tx) is None


def test_live_energy_after_stop_is_final() -> None:
    tx = open_tx(meter_start_wh=10_000)
    observe_register(tx, 11_000, START + timedelta(minutes=5))
    close_transaction(tx, StopData(timestamp=NOW, meter_stop_wh=12_345), NOW)
    assert live_energy_wh(tx) == 2_345


# --- energy_delivered ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (0, 0, 0),
        (100, 250, 150),
        (250, 249, None),
        (2**31 - 10, 2**31 + 10, 20),
        (None, 250, None),
        (100, None, None),
        (None, None, None),
        (0, None, None),
        (None, 0, None),
    ],
)
def test_energy_delivered(start: int | None, stop: int | None, expected: int | None) -> None:
    assert energy_delivered(start, stop) == expected


meter = st.integers(min_value=0, max_value=2**40)


@settings(deadline=None)
@given(meter, meter)
def test_energy_delivered_is_never_negative(start: int, stop: int) -> None:
    energy = energy_delivered(start, stop)
    if stop >= start:
        assert energy == stop - start
    else:
        assert energy is None


moment = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
stops = st.builds(
    StopData,
    timestamp=moment,
    meter_stop_wh=st.one_of(st.none(), meter),
    reason=st.one_of(st.none(), st.sampled_from([r.value for r in StopReason])),
    id_tag=st.one_of(st.none(), st.text(max_size=20)),
)


@settings(deadline=None)
@given(
    start=meter,
    reading=st.one_of(st.none(), meter),
    first=stops,
    second=stops,
    superseded=st.booleans(),
)
def test_close_transaction_is_idempotent(
    start: int, reading: int | None, first: StopData, second: StopData, superseded: bool
) -> None:
    tx = open_tx(meter_start_wh=start)
    if reading is not None:
        observe_register(tx, reading, START + timedelta(minutes=1))
    if superseded:
        supersede(tx, NOW)
    assert close_transaction(tx, first, NOW) is True
    after_first = snapshot(tx)
    assert close_transaction(tx, second, NOW + timedelta(days=1)) is False
    assert close_transaction(tx, first, NOW + timedelta(days=1)) is False
    assert snapshot(tx) == after_first
    stop_wh = first.meter_stop_wh if first.meter_stop_wh is not None else reading
    assert tx.meter_stop_wh == stop_wh
    if ReviewFlag.ENERGY_IMPLAUSIBLE.value not in tx.flags:
        # (A jump re-bases the start: tests of that are in test_energy_checks.py.)
        assert tx.energy_wh == (None if stop_wh is None or stop_wh < start else stop_wh - start)
        assert (ReviewFlag.METER_STOP_BELOW_START.value in tx.flags) == (
            stop_wh is not None and stop_wh < start
        )
    assert ReviewFlag.NO_STOP_RECEIVED.value not in tx.flags
    assert len(tx.flags) == len(set(tx.flags))
    assert tx.stop_received


@settings(deadline=None)
@given(start=meter, readings=st.lists(st.tuples(meter, moment), max_size=8))
def test_live_energy_is_never_negative(start: int, readings: list[tuple[int, datetime]]) -> None:
    tx = open_tx(meter_start_wh=start)
    for value, at in readings:
        observe_register(tx, value, at)
    energy = live_energy_wh(tx)
    assert energy is None or energy >= 0
    if readings:
        latest = max(at for _, at in readings)
        assert tx.last_meter_at == latest
        assert tx.last_meter_wh in {v for v, at in readings if at == latest}


# --- start_key -----------------------------------------------------------------------------


def test_start_key_format() -> None:
    at = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert start_key(2, "TAG1", at, 1500) == "2|TAG1|2024-05-01T10:00:00+00:00|1500"


def test_start_key_differs_in_every_part() -> None:
    at = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    base = start_key(1, "TAG", at, 100)
    assert start_key(1, "TAG", at, 100) == base
    assert start_key(2, "TAG", at, 100) != base
    assert start_key(1, "TAG2", at, 100) != base
    assert start_key(1, "TAG", at + TICK, 100) != base
    assert start_key(1, "TAG", at, 101) != base


def test_start_key_same_instant_any_offset() -> None:
    utc = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    helsinki = datetime(2024, 5, 1, 13, 0, tzinfo=timezone(timedelta(hours=3)))
    assert utc == helsinki
    assert start_key(1, "TAG", helsinki, 100) == start_key(1, "TAG", utc, 100)
    assert start_key(1, "TAG", helsinki, 100) == "1|TAG|2024-05-01T10:00:00+00:00|100"


offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@settings(deadline=None)
@given(moment, offsets)
def test_start_key_depends_on_the_instant_only(at: datetime, zone: timezone) -> None:
    assert start_key(3, "T", at.astimezone(zone), 7) == start_key(3, "T", at, 7)
    assert start_key(3, "T", at.astimezone(zone), 7) == f"3|T|{at.isoformat()}|7"
