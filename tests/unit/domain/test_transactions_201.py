"""OCPP 2.0.1 transactions: events in seqNo order or not, tokens, readings and seqNo gaps."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
