"""OCPP 2.0.1 transactions: events in seqNo order or not, tokens, readings and seqNo gaps."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kilowatt
from kilowatt.domain.tokens import AuthorizationStatus
from kilowatt.domain.transactions import (
    BEGIN_CONTEXT,
    CLOCK_SKEW,
    EventFacts,
    ReviewFlag,
    StopData,
    Transaction,
    TransactionEventRecord,
    TransactionEventType,
    TransactionState,
    apply_event,
    close_transaction,
    has_seq_gap,
    live_energy_wh,
    mark_seq_gap,
    observe_register,
    open_from_event,
    record_authorization,
)
from tests.support.records import fields

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=2)
MINUTE = timedelta(minutes=1)
END_CONTEXT = "Transaction.End"
PERIODIC = "Sample.Periodic"

STARTED = TransactionEventType.STARTED
UPDATED = TransactionEventType.UPDATED
ENDED = TransactionEventType.ENDED


def new_tx(timestamp: datetime = T0, now: datetime = NOW) -> Transaction:
    return open_from_event(
        organization_id=1,
        station_id=2,
        ocpp_transaction_id="f0e1d2c3",
        timestamp=timestamp,
        now=now,
    )


def facts(
    event_type: TransactionEventType, seq_no: int, at: datetime = T0, **values: object
) -> EventFacts:
    return EventFacts(event_type=event_type, seq_no=seq_no, timestamp=at, **values)  # type: ignore[arg-type]


def snapshot(tx: Transaction) -> dict[str, object]:
    state = fields(tx)
    state["flags"] = sorted(tx.flags)  # the order flags were raised in is not state
    return state


@dataclass(frozen=True)
class Event:
    """One TransactionEvent as the service handles it: facts, register readings, stop."""

    facts: EventFacts
    readings: tuple[tuple[datetime, str | None, int], ...] = ()
    reason: str | None = None


@dataclass
class Handled:
    tx: Transaction
    seen: set[int] = field(default_factory=set)


def handle(events: list[Event], now: datetime = NOW) -> Handled:
    """The pure steps TransactionService takes for each TransactionEvent, in arrival order."""
    handled: Handled | None = None
    for event in events:
        if handled is None:
            handled = Handled(new_tx(event.facts.timestamp, now))
        tx = handled.tx
        apply_event(tx, event.facts, now)
        for at, context, wh in event.readings:
            observe_register(tx, wh, at, context)
        if event.facts.event_type is ENDED:
            close_transaction(tx, StopData(event.facts.timestamp, None, event.reason), now)
        handled.seen.add(event.facts.seq_no)
        mark_seq_gap(tx, has_seq_gap(handled.seen, tx.started_seq))
    assert handled is not None
    return handled


# --- enums and records ---------------------------------------------------------------------


def test_event_types_are_the_201_names() -> None:
    assert [t.value for t in TransactionEventType] == ["Started", "Updated", "Ended"]


def test_event_record_defaults() -> None:
    record = TransactionEventRecord(
        transaction_id=4,
        seq_no=0,
        event_type="Started",
        trigger_reason="CablePluggedIn",
        timestamp=T0,
        received_at=NOW,
    )
    assert (record.offline, record.charging_state, record.id_tag, record.id) == (
        False,
        None,
        None,
        None,
    )


def test_begin_context_is_the_201_name() -> None:
    assert BEGIN_CONTEXT == "Transaction.Begin"


# --- open_from_event -----------------------------------------------------------------------


def test_open_from_event_fields() -> None:
    tx = new_tx(T0, NOW)
    assert (tx.organization_id, tx.station_id, tx.ocpp_transaction_id) == (1, 2, "f0e1d2c3")
    assert (tx.evse_id, tx.connector_id) == (0, 0)
    assert (tx.id_tag, tx.id_token_id) == ("", None)
    assert tx.auth_status == AuthorizationStatus.UNKNOWN.value == "Unknown"
    assert tx.start_time == T0
    assert (tx.meter_start_wh, tx.meter_start_at) == (None, None)
    assert (tx.last_meter_wh, tx.last_meter_at) == (None, None)
    assert (tx.created_at, tx.updated_at) == (NOW, NOW)
    assert tx.state is TransactionState.ACTIVE
    assert tx.is_active
    assert not tx.stop_received
    assert (tx.started_seq, tx.state_seq) == (None, None)
    assert (tx.charging_state, tx.number_of_phases, tx.remote_start_id) == (None, None, None)
    assert tx.reservation_id is None
    assert tx.offline is False
    assert tx.start_key is None
    assert (tx.stop_time, tx.meter_stop_wh, tx.energy_wh, tx.stop_reason) == (
        None,
        None,
        None,
        None,
    )
    assert tx.flags == []


def test_open_from_event_leaves_time_flags_to_the_started_event() -> None:
    tx = new_tx(datetime(1970, 1, 1, tzinfo=UTC), NOW)
    assert tx.flags == []
    apply_event(tx, facts(STARTED, 0, datetime(1970, 1, 1, tzinfo=UTC)), NOW)
    assert tx.flags == [ReviewFlag.TIMESTAMP_TOO_OLD.value]


def test_live_energy_before_any_reading_is_zero() -> None:
    assert live_energy_wh(new_tx()) == 0


# --- apply_event ---------------------------------------------------------------------------


def test_started_sets_everything_it_says() -> None:
    tx = new_tx(T0 + MINUTE, now=T0)
    event = facts(
        STARTED,
        0,
        T0,
        evse_id=2,
        connector_id=1,
        charging_state="EVConnected",
        remote_start_id=41,
        reservation_id=6,
        offline=True,
        number_of_phases=3,
    )
    apply_event(tx, event, NOW)
    assert (tx.start_time, tx.started_seq, tx.state_seq) == (T0, 0, 0)
    assert (tx.evse_id, tx.connector_id) == (2, 1)
    assert (tx.charging_state, tx.number_of_phases) == ("EVConnected", 3)
    assert (tx.remote_start_id, tx.reservation_id) == (41, 6)
    assert tx.offline is True
    assert tx.updated_at == NOW
    assert tx.created_at == T0
    assert tx.flags == []
    assert tx.state is TransactionState.ACTIVE


def test_updated_does_not_move_the_start() -> None:
    tx = new_tx(T0)
    apply_event(tx, facts(UPDATED, 1, T0 + MINUTE, charging_state="Charging"), NOW)
    assert (tx.start_time, tx.started_seq, tx.state_seq) == (T0, None, 1)
    assert tx.charging_state == "Charging"


def test_ended_facts_do_not_close_the_transaction() -> None:
    tx = new_tx(T0)
    apply_event(tx, facts(ENDED, 2, T0 + MINUTE, charging_state="Idle"), NOW)
    assert tx.state is TransactionState.ACTIVE
    assert (tx.stop_time, tx.charging_state, tx.state_seq) == (None, "Idle", 2)


def test_started_arriving_late_fixes_the_start_but_not_the_newer_state() -> None:
    tx = new_tx(T0 + 5 * MINUTE)
    apply_event(tx, facts(UPDATED, 3, T0 + 5 * MINUTE, charging_state="Charging"), NOW)
    apply_event(tx, facts(STARTED, 0, T0, charging_state="EVConnected", number_of_phases=1), NOW)
    assert (tx.start_time, tx.started_seq) == (T0, 0)
    assert (tx.charging_state, tx.state_seq) == ("Charging", 3)


def test_an_older_event_cannot_undo_a_newer_state() -> None:
    tx = new_tx()
    apply_event(tx, facts(UPDATED, 5, charging_state="SuspendedEV", number_of_phases=1), NOW)
    apply_event(tx, facts(UPDATED, 4, charging_state="Charging", number_of_phases=3), NOW)
    assert (tx.charging_state, tx.number_of_phases, tx.state_seq) == ("SuspendedEV", 1, 5)


def test_an_event_with_the_same_seq_no_applies_its_state() -> None:
    tx = new_tx()
    apply_event(tx, facts(UPDATED, 2, charging_state="Charging"), NOW)
    apply_event(tx, facts(UPDATED, 2, charging_state="SuspendedEVSE"), NOW)
    assert (tx.charging_state, tx.state_seq) == ("SuspendedEVSE", 2)


def test_a_newer_event_without_state_keeps_the_state() -> None:
    tx = new_tx()
    apply_event(tx, facts(STARTED, 0, charging_state="EVConnected", number_of_phases=3), NOW)
    apply_event(tx, facts(UPDATED, 1), NOW)
    assert (tx.charging_state, tx.number_of_phases) == ("EVConnected", 3)


def test_state_seq_is_the_highest_seq_no_applied() -> None:
    tx = new_tx()
    for seq in (2, 7, 3, 7, 0):
        apply_event(tx, facts(UPDATED, seq, charging_state=f"S{seq}"), NOW)
    assert (tx.state_seq, tx.charging_state) == (7, "S7")


def test_the_first_evse_is_kept() -> None:
    tx = new_tx()
    apply_event(tx, facts(UPDATED, 1), NOW)
    assert (tx.evse_id, tx.connector_id) == (0, 0)
    apply_event(tx, facts(UPDATED, 2, evse_id=0, connector_id=4), NOW)
    assert (tx.evse_id, tx.connector_id) == (0, 0)
    apply_event(tx, facts(UPDATED, 3, evse_id=2), NOW)
    assert (tx.evse_id, tx.connector_id) == (2, 0)
    apply_event(tx, facts(UPDATED, 4, evse_id=3, connector_id=2), NOW)
    assert (tx.evse_id, tx.connector_id) == (2, 0)


def test_remote_start_and_reservation_are_not_cleared_by_silence() -> None:
    tx = new_tx()
    apply_event(tx, facts(STARTED, 0, remote_start_id=0, reservation_id=0), NOW)
    assert (tx.remote_start_id, tx.reservation_id) == (0, 0)
    apply_event(tx, facts(UPDATED, 1), NOW)
    assert (tx.remote_start_id, tx.reservation_id) == (0, 0)


def test_offline_sticks() -> None:
    tx = new_tx()
    apply_event(tx, facts(UPDATED, 1, offline=True), NOW)
    apply_event(tx, facts(UPDATED, 2, offline=False), NOW)
    assert tx.offline is True


@pytest.mark.parametrize(
    ("at", "flag"),
    [
        (NOW + CLOCK_SKEW + timedelta(microseconds=1), ReviewFlag.TIMESTAMP_IN_FUTURE),
        (datetime(2009, 12, 31, 23, 59, tzinfo=UTC), ReviewFlag.TIMESTAMP_TOO_OLD),
    ],
)
def test_started_time_is_checked_once(at: datetime, flag: ReviewFlag) -> None:
    tx = new_tx(at)
    apply_event(tx, facts(STARTED, 0, at), NOW)
    apply_event(tx, facts(STARTED, 0, at), NOW)
    assert tx.flags == [flag.value]


def test_only_the_started_time_is_checked() -> None:
    tx = new_tx()
    apply_event(tx, facts(UPDATED, 1, NOW + timedelta(days=1)), NOW)
    assert tx.flags == []


def test_started_within_clock_skew_is_not_flagged() -> None:
    tx = new_tx()
    apply_event(tx, facts(STARTED, 0, NOW + CLOCK_SKEW), NOW)
    assert tx.flags == []


def test_started_keeps_earlier_flags() -> None:
    tx = new_tx()
    record_authorization(tx, "TAG", None, AuthorizationStatus.BLOCKED)
    apply_event(tx, facts(STARTED, 0, NOW + timedelta(days=1)), NOW)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value, ReviewFlag.TIMESTAMP_IN_FUTURE.value]


def full_session() -> list[Event]:
    """Started, two Updated and Ended, with readings and every state field."""
    return [
        Event(
            facts(
                STARTED,
                0,
                T0,
                evse_id=1,
                connector_id=1,
                charging_state="EVConnected",
                number_of_phases=3,
                remote_start_id=9,
            ),
            ((T0, BEGIN_CONTEXT, 10_000),),
        ),
        Event(
            facts(UPDATED, 1, T0 + MINUTE, charging_state="Charging", number_of_phases=3),
            ((T0 + MINUTE, PERIODIC, 10_400),),
        ),
        Event(
            facts(UPDATED, 2, T0 + 2 * MINUTE, charging_state="SuspendedEV", number_of_phases=1),
            ((T0 + 2 * MINUTE, PERIODIC, 10_900),),
        ),
        Event(
            facts(ENDED, 3, T0 + 3 * MINUTE, charging_state="EVConnected", number_of_phases=1),
            ((T0 + 3 * MINUTE, END_CONTEXT, 11_250),),
            reason="EVDisconnected",
        ),
    ]


def test_a_session_in_order() -> None:
    tx = handle(full_session()).tx
    assert tx.state is TransactionState.COMPLETED
    assert tx.stop_received
    assert (tx.start_time, tx.stop_time) == (T0, T0 + 3 * MINUTE)
    assert (tx.meter_start_wh, tx.meter_start_at) == (10_000, T0)
    assert (tx.meter_stop_wh, tx.energy_wh) == (11_250, 1_250)
    assert (tx.last_meter_wh, tx.last_meter_at) == (11_250, T0 + 3 * MINUTE)
    assert (tx.charging_state, tx.number_of_phases) == ("EVConnected", 1)
    assert (tx.started_seq, tx.state_seq) == (0, 3)
    assert (tx.evse_id, tx.connector_id, tx.remote_start_id) == (1, 1, 9)
    assert tx.stop_reason == "EVDisconnected"
    assert tx.flags == []


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_a_session_in_any_order_ends_in_the_same_state(order: tuple[int, ...]) -> None:
    session = full_session()
    in_order = handle(session).tx
    shuffled = handle([session[i] for i in order]).tx
    assert snapshot(shuffled) == snapshot(in_order)


def test_a_missing_event_leaves_the_session_flagged() -> None:
    session = full_session()
    tx = handle([session[0], session[1], session[3]]).tx
    assert tx.flags == [ReviewFlag.SEQ_GAP.value]
    assert (tx.meter_stop_wh, tx.energy_wh) == (11_250, 1_250)


def test_the_gap_flag_comes_and_goes_while_events_arrive() -> None:
    session = full_session()
    handled = handle([session[0], session[2]])
    assert handled.tx.flags == [ReviewFlag.SEQ_GAP.value]
    handled = handle([session[0], session[2], session[1]])
    assert handled.tx.flags == []


charging_states = st.sampled_from(
    ["EVConnected", "Charging", "SuspendedEV", "SuspendedEVSE", "Idle"]
)


@st.composite
def sessions(draw: st.DrawFn) -> list[Event]:
    """A Started, some Updated and an Ended, each saying its state, in seqNo and time order;
    the register only goes up."""
    updates = draw(st.integers(min_value=0, max_value=4))
    first_seq = draw(st.integers(min_value=0, max_value=1000))
    evse = draw(st.integers(min_value=1, max_value=4))
    register = draw(st.integers(min_value=0, max_value=10**9))
    events = []
    kinds = [STARTED, *[UPDATED] * updates, ENDED]
    for i, kind in enumerate(kinds):
        at = T0 + i * MINUTE
        # Up to 15 kWh a minute (900 kW): what a connector could deliver.
        register += draw(st.integers(min_value=0, max_value=15_000))
        context = {STARTED: BEGIN_CONTEXT, ENDED: END_CONTEXT}.get(kind, PERIODIC)
        readings = ((at, context, register),) if draw(st.booleans()) or kind is not UPDATED else ()
        event_facts = facts(
            kind,
            first_seq + i,
            at,
            evse_id=evse if draw(st.booleans()) or kind is STARTED else None,
            connector_id=1,
            charging_state=draw(charging_states),
            number_of_phases=draw(st.sampled_from([1, 3])),
            offline=draw(st.booleans()),
            remote_start_id=7 if kind is STARTED else None,
        )
        events.append(Event(event_facts, readings))
    return events


@settings(deadline=None, max_examples=150)
@given(sessions(), st.randoms(use_true_random=False))
def test_any_arrival_order_ends_in_the_same_state(events: list[Event], rnd: random.Random) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    in_order = handle(events).tx
    assert snapshot(handle(shuffled).tx) == snapshot(in_order)
    begin = events[0].readings[0][2]
    end = events[-1].readings[0][2]
    assert (in_order.meter_start_wh, in_order.meter_stop_wh) == (begin, end)
    assert in_order.energy_wh == end - begin
    assert in_order.charging_state == events[-1].facts.charging_state
    assert in_order.number_of_phases == events[-1].facts.number_of_phases
    assert in_order.started_seq == events[0].facts.seq_no
    assert in_order.state_seq == events[-1].facts.seq_no
    assert in_order.offline == any(e.facts.offline for e in events)
    assert ReviewFlag.SEQ_GAP.value not in in_order.flags


def test_state_omitted_by_newer_events_survives_any_arrival_order() -> None:
    events = [
        facts(STARTED, 0, T0, charging_state="EVConnected", number_of_phases=3),
        facts(UPDATED, 1, T0 + MINUTE, charging_state="Charging"),
        facts(ENDED, 2, T0 + 2 * MINUTE),
    ]
    results = {}
    for order in itertools.permutations(events):
        tx = new_tx(order[0].timestamp)
        for event in order:
            apply_event(tx, event, NOW)
        results[tuple(e.seq_no for e in order)] = (tx.charging_state, tx.number_of_phases)
    # in order: Charging (seqNo 1) on 3 phases (seqNo 0); Ended changed neither
    assert results == dict.fromkeys(results, ("Charging", 3))


# --- record_authorization ------------------------------------------------------------------


def test_record_authorization_accepted() -> None:
    tx = new_tx()
    record_authorization(tx, "04A2B3C4", 17, AuthorizationStatus.ACCEPTED)
    assert (tx.id_tag, tx.id_token_id, tx.auth_status) == ("04A2B3C4", 17, "Accepted")
    assert tx.flags == []


@pytest.mark.parametrize(
    "status", [s for s in AuthorizationStatus if s is not AuthorizationStatus.ACCEPTED]
)
def test_record_authorization_refused_is_flagged(status: AuthorizationStatus) -> None:
    tx = new_tx()
    record_authorization(tx, "CARD", None, status)
    assert (tx.id_tag, tx.id_token_id, tx.auth_status) == ("CARD", None, status.value)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]


def test_record_authorization_accepted_later_clears_the_flag_only() -> None:
    tx = new_tx()
    tx.flags = [ReviewFlag.TIMESTAMP_IN_FUTURE.value]
    record_authorization(tx, "A", None, AuthorizationStatus.UNKNOWN)
    mark_seq_gap(tx, True)
    assert tx.flags == [
        ReviewFlag.TIMESTAMP_IN_FUTURE.value,
        ReviewFlag.NOT_AUTHORIZED.value,
        ReviewFlag.SEQ_GAP.value,
    ]
    record_authorization(tx, "B", 3, AuthorizationStatus.ACCEPTED)
    assert tx.flags == [ReviewFlag.TIMESTAMP_IN_FUTURE.value, ReviewFlag.SEQ_GAP.value]
    assert (tx.id_tag, tx.id_token_id, tx.auth_status) == ("B", 3, "Accepted")


def test_record_authorization_refused_twice_is_flagged_once() -> None:
    tx = new_tx()
    record_authorization(tx, "A", 1, AuthorizationStatus.BLOCKED)
    record_authorization(tx, "A", 1, AuthorizationStatus.EXPIRED)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]
    assert tx.auth_status == "Expired"


@settings(deadline=None)
@given(
    st.lists(st.sampled_from(list(AuthorizationStatus)), min_size=1, max_size=6),
    st.lists(
        st.sampled_from(
            [ReviewFlag.SEQ_GAP, ReviewFlag.TIMESTAMP_TOO_OLD, ReviewFlag.UNKNOWN_TRANSACTION]
        ),
        unique=True,
    ),
)
def test_not_authorized_follows_the_last_decision(
    statuses: list[AuthorizationStatus], others: list[ReviewFlag]
) -> None:
    tx = new_tx()
    tx.flags = [flag.value for flag in others]
    for status in statuses:
        record_authorization(tx, "T", None, status)
    refused = statuses[-1] is not AuthorizationStatus.ACCEPTED
    assert (ReviewFlag.NOT_AUTHORIZED.value in tx.flags) == refused
    assert [f for f in tx.flags if f != ReviewFlag.NOT_AUTHORIZED.value] == [
        flag.value for flag in others
    ]
    assert len(tx.flags) == len(set(tx.flags))
    assert tx.auth_status == statuses[-1].value


# --- has_seq_gap and mark_seq_gap ----------------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "started_seq", "gap"),
    [
        (set(), None, False),
        (set(), 0, False),
        ({0}, None, False),
        ({0}, 0, False),
        ({0, 1, 2}, 0, False),
        ({0, 2}, 0, True),
        ({0, 1, 3, 4}, 0, True),
        # no Started yet: the first event is seqNo 0
        ({0, 1}, None, False),
        ({1, 2}, None, True),
        ({3}, None, True),
        # a Started that is not at seqNo 0
        ({1, 2}, 1, False),
        ({5, 6, 7}, 5, False),
        ({5, 7}, 5, True),
        ({5, 6, 7}, None, True),
        # an event before the Started still counts from itself
        ({3, 4, 5}, 4, False),
        ({3, 5}, 5, True),
        ({0, 1, 2}, 1, False),
    ],
)
def test_has_seq_gap(seen: set[int], started_seq: int | None, gap: bool) -> None:
    assert has_seq_gap(seen, started_seq) is gap


def brute_force_gap(seen: set[int], started_seq: int | None) -> bool:
    """Sort what came; a hole between neighbours, or a first event after the expected one."""
    if not seen:
        return False
    expected_first = started_seq if started_seq is not None else 0
    ordered = sorted(seen)
    holes = any(b - a > 1 for a, b in itertools.pairwise(ordered))
    return holes or ordered[0] > expected_first


@settings(deadline=None, max_examples=300)
@given(
    st.sets(st.integers(min_value=0, max_value=40), max_size=12),
    st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
)
def test_has_seq_gap_matches_brute_force(seen: set[int], started_seq: int | None) -> None:
    if started_seq is not None and seen:
        seen = seen | {started_seq}  # the Started's own seqNo is always among those seen
    assert has_seq_gap(seen, started_seq) is brute_force_gap(seen, started_seq)


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=30))
def test_a_complete_run_from_the_started_has_no_gap(first: int, count: int) -> None:
    seen = set(range(first, first + count))
    assert not has_seq_gap(seen, first)
    for missing in range(first + 1, first + count - 1):
        assert has_seq_gap(seen - {missing}, first)


SEQ_GAP_PROBE = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (256 * 2**20, 256 * 2**20))
from kilowatt.domain.transactions import has_seq_gap
try:
    print(has_seq_gap({10**12}, None), has_seq_gap({10**12 - 1, 10**12}, None))
except MemoryError:
    print("MemoryError")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS")
def test_has_seq_gap_costs_what_the_events_cost_not_their_seq_no() -> None:
    source = str(Path(kilowatt.__file__).resolve().parents[1])
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SEQ_GAP_PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": source},
    )
    assert result.stdout.strip() == "True True", result.stdout + result.stderr


def test_mark_seq_gap_adds_once_and_removes() -> None:
    tx = new_tx()
    tx.flags = [ReviewFlag.NOT_AUTHORIZED.value]
    mark_seq_gap(tx, True)
    mark_seq_gap(tx, True)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value, ReviewFlag.SEQ_GAP.value]
    mark_seq_gap(tx, False)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]
    mark_seq_gap(tx, False)
    assert tx.flags == [ReviewFlag.NOT_AUTHORIZED.value]


def test_mark_seq_gap_keeps_the_order_of_other_flags() -> None:
    tx = new_tx()
    tx.flags = [
        ReviewFlag.TIMESTAMP_TOO_OLD.value,
        ReviewFlag.SEQ_GAP.value,
        ReviewFlag.METER_STOP_BELOW_START.value,
    ]
    mark_seq_gap(tx, True)
    assert tx.flags == [
        ReviewFlag.TIMESTAMP_TOO_OLD.value,
        ReviewFlag.METER_STOP_BELOW_START.value,
        ReviewFlag.SEQ_GAP.value,
    ]


# --- observe_register (2.0.1: the start reading is the earliest one) ------------------------


def test_first_reading_is_the_start_and_the_latest() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0 + MINUTE, PERIODIC)
    assert (tx.meter_start_wh, tx.meter_start_at) == (5_000, T0 + MINUTE)
    assert (tx.last_meter_wh, tx.last_meter_at) == (5_000, T0 + MINUTE)
    assert live_energy_wh(tx) == 0


def test_later_readings_move_only_the_latest() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0 + MINUTE)
    observe_register(tx, 5_600, T0 + 2 * MINUTE)
    assert (tx.meter_start_wh, tx.meter_start_at) == (5_000, T0 + MINUTE)
    assert (tx.last_meter_wh, tx.last_meter_at) == (5_600, T0 + 2 * MINUTE)
    assert live_energy_wh(tx) == 600


def test_an_earlier_reading_arriving_late_becomes_the_start() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_600, T0 + 2 * MINUTE)
    observe_register(tx, 5_000, T0 + MINUTE)
    assert (tx.meter_start_wh, tx.meter_start_at) == (5_000, T0 + MINUTE)
    assert (tx.last_meter_wh, tx.last_meter_at) == (5_600, T0 + 2 * MINUTE)
    assert live_energy_wh(tx) == 600


def test_a_reading_at_the_same_instant_as_the_start_does_not_replace_it() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0)
    observe_register(tx, 5_001, T0)
    assert (tx.meter_start_wh, tx.meter_start_at) == (5_000, T0)
    assert tx.last_meter_wh == 5_001


def test_a_begin_reading_taken_after_the_start_counts_as_at_the_start() -> None:
    tx = new_tx(T0)
    apply_event(tx, facts(STARTED, 0, T0), NOW)
    observe_register(tx, 5_050, T0 + 30 * timedelta(seconds=1), PERIODIC)
    observe_register(tx, 5_000, T0 + 45 * timedelta(seconds=1), BEGIN_CONTEXT)
    assert (tx.meter_start_wh, tx.meter_start_at) == (5_000, T0)
    # as the latest reading it keeps its own time
    assert (tx.last_meter_wh, tx.last_meter_at) == (5_000, T0 + 45 * timedelta(seconds=1))


def test_a_begin_reading_before_the_start_keeps_its_time() -> None:
    tx = new_tx(T0)
    observe_register(tx, 4_990, T0 - MINUTE, BEGIN_CONTEXT)
    assert (tx.meter_start_wh, tx.meter_start_at) == (4_990, T0 - MINUTE)


def test_a_periodic_reading_before_the_begin_reading_wins() -> None:
    # The Begin reading counts as taken at the start; a reading taken earlier still wins.
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0 + MINUTE, BEGIN_CONTEXT)
    observe_register(tx, 4_900, T0 - MINUTE, PERIODIC)
    assert (tx.meter_start_wh, tx.meter_start_at) == (4_900, T0 - MINUTE)


def test_an_end_reading_is_never_the_start_reading() -> None:
    # A transaction known only by its Ended event: its end reading must not pose as the start
    # (which would give 0 Wh); the energy stays unknown until an earlier reading comes.
    tx = new_tx(T0)
    observe_register(tx, 7_000, T0 + 10 * MINUTE, END_CONTEXT)
    assert (tx.meter_start_wh, tx.meter_start_at) == (None, None)
    assert (tx.last_meter_wh, tx.last_meter_at) == (7_000, T0 + 10 * MINUTE)
    close_transaction(tx, StopData(T0 + 10 * MINUTE), NOW)
    assert (tx.meter_stop_wh, tx.energy_wh) == (7_000, None)
    assert ReviewFlag.METER_STOP_BELOW_START.value not in tx.flags


def test_the_stop_takes_the_latest_reading() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0, BEGIN_CONTEXT)
    observe_register(tx, 6_200, T0 + 10 * MINUTE, END_CONTEXT)
    close_transaction(tx, StopData(T0 + 10 * MINUTE), NOW)
    assert (tx.meter_stop_wh, tx.energy_wh) == (6_200, 1_200)
    assert live_energy_wh(tx) == 1_200


def test_readings_after_the_stop_do_not_move_the_stop() -> None:
    tx = new_tx(T0)
    observe_register(tx, 5_000, T0, BEGIN_CONTEXT)
    observe_register(tx, 6_200, T0 + 10 * MINUTE, END_CONTEXT)
    close_transaction(tx, StopData(T0 + 10 * MINUTE), NOW)
    before = snapshot(tx)
    observe_register(tx, 6_300, T0 + 11 * MINUTE, PERIODIC)
    observe_register(tx, 6_100, T0 + 9 * MINUTE, PERIODIC)
    assert snapshot(tx) == before


def test_a_late_earlier_reading_on_a_stopped_transaction_recomputes_energy() -> None:
    tx = new_tx(T0 + 10 * MINUTE)
    observe_register(tx, 6_200, T0 + 10 * MINUTE, END_CONTEXT)
    close_transaction(tx, StopData(T0 + 10 * MINUTE), NOW)
    assert (tx.meter_start_wh, tx.meter_stop_wh, tx.energy_wh) == (None, 6_200, None)
    observe_register(tx, 5_500, T0 + 5 * MINUTE, PERIODIC)
    assert (tx.meter_start_wh, tx.meter_start_at, tx.energy_wh) == (5_500, T0 + 5 * MINUTE, 700)
    apply_event(tx, facts(STARTED, 0, T0), NOW)
    observe_register(tx, 5_000, T0 + timedelta(seconds=2), BEGIN_CONTEXT)
    assert (tx.meter_start_wh, tx.meter_start_at, tx.energy_wh) == (5_000, T0, 1_200)
    # the stop reading stays the latest
    assert (tx.last_meter_wh, tx.last_meter_at) == (6_200, T0 + 10 * MINUTE)
    assert tx.meter_stop_wh == 6_200


def test_a_late_start_reading_on_a_stop_without_reading_knows_no_energy() -> None:
    tx = new_tx(T0)
    close_transaction(tx, StopData(T0 + 10 * MINUTE), NOW)
    observe_register(tx, 5_000, T0, BEGIN_CONTEXT)
    assert (tx.meter_start_wh, tx.meter_stop_wh, tx.energy_wh) == (5_000, None, None)
    assert live_energy_wh(tx) is None


@settings(deadline=None)
@given(
    st.lists(st.integers(min_value=-100, max_value=100), min_size=1, max_size=8, unique=True),
    st.integers(0, 10**9),
    st.lists(st.integers(min_value=-1_000, max_value=15_000), min_size=8, max_size=8),
    st.randoms(use_true_random=False),
)
def test_readings_in_any_order_give_the_earliest_and_the_latest(
    minutes: list[int], base: int, steps: list[int], rnd: random.Random
) -> None:
    # Registers that a connector could have read (at most 15 kWh a minute more, or a meter
    # running backwards), taken at the given minutes.
    readings = []
    register = base
    for at, step in zip(sorted(minutes), steps, strict=False):
        readings.append((at, register))
        register = max(register + step, 0)

    def run(order: list[tuple[int, int]]) -> Transaction:
        tx = new_tx(T0)
        for minutes, wh in order:
            observe_register(tx, wh, T0 + minutes * MINUTE, PERIODIC)
        return tx

    shuffled = list(readings)
    rnd.shuffle(shuffled)
    first, last = min(readings), max(readings)
    for tx in (run(readings), run(shuffled)):
        assert (tx.meter_start_wh, tx.meter_start_at) == (first[1], T0 + first[0] * MINUTE)
        assert (tx.last_meter_wh, tx.last_meter_at) == (last[1], T0 + last[0] * MINUTE)
        energy = live_energy_wh(tx)
        assert energy == (last[1] - first[1] if last[1] >= first[1] else None)


# --- what a late Started or reading should still settle (known bugs) -----------------------


def test_a_late_reading_before_a_stop_without_reading_is_the_stop_reading() -> None:
    session = [
        Event(facts(STARTED, 0, T0), ((T0, BEGIN_CONTEXT, 1_000),)),
        Event(facts(UPDATED, 1, T0 + 10 * MINUTE), ((T0 + 10 * MINUTE, PERIODIC, 1_500),)),
        Event(facts(ENDED, 2, T0 + 20 * MINUTE)),
    ]
    outcomes = {}
    for order in itertools.permutations(range(3)):
        tx = handle([session[i] for i in order]).tx
        outcomes[order] = (tx.meter_stop_wh, tx.energy_wh)
    assert outcomes == dict.fromkeys(outcomes, (1_500, 500))


@pytest.mark.parametrize(
    ("session", "flag"),
    [
        (
            # the meter was replaced: the stop reading is below the start reading
            [
                Event(facts(STARTED, 0, T0), ((T0, BEGIN_CONTEXT, 2_500),)),
                Event(facts(ENDED, 1, T0 + MINUTE), ((T0 + MINUTE, END_CONTEXT, 2_000),)),
            ],
            ReviewFlag.METER_STOP_BELOW_START,
        ),
        (
            # the station's clock jumped: the Started is stamped after the Ended
            [Event(facts(STARTED, 0, T0 + 30 * MINUTE)), Event(facts(ENDED, 1, T0))],
            ReviewFlag.STOP_BEFORE_START,
        ),
    ],
)
def test_review_flags_do_not_depend_on_arrival_order(
    session: list[Event], flag: ReviewFlag
) -> None:
    in_order = handle(session).tx
    assert in_order.flags == [flag.value]
    reversed_order = handle(session[::-1]).tx
    assert reversed_order.flags == [flag.value]
