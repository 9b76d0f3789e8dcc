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
from kilowatt.domain.transactions import (
    BEGIN_CONTEXT,
    EventFacts,
    ReviewFlag,
    StopData,
    Transaction,
    TransactionEventType,
    apply_event,
    close_transaction,
    has_seq_gap,
    live_energy_wh,
    mark_seq_gap,
    observe_register,
    open_from_event,
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
