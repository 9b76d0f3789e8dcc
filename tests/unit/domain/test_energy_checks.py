"""A session's energy is what its connector could have delivered: a lifetime register after a
meterStart of 0, or a replaced meter, is not billed; suspect records carry their reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.energy_checks import (
    DEFAULT_MAX_POWER_W,
    ENERGY_SLACK_WH,
    is_jump,
    possible_energy_wh,
)
from kilowatt.domain.tokens import AuthorizationStatus
from kilowatt.domain.transactions import (
    BEGIN_CONTEXT,
    CLOCK_SKEW,
    LATE_ARRIVAL,
    ReviewFlag,
    StopData,
    Transaction,
    close_transaction,
    live_energy_wh,
    observe_register,
    open_transaction,
    timestamp_flags,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def open_tx(
    meter_start_wh: int = 0, max_power_w: int | None = None, **extra: object
) -> Transaction:
    return open_transaction(
        organization_id=1,
        station_id=2,
        evse_id=1,
        connector_id=1,
        id_tag="TAG",
        id_token_id=None,
        start_time=START,
        meter_start_wh=meter_start_wh,
        auth_status=AuthorizationStatus.ACCEPTED,
        now=START,
        max_power_w=max_power_w,
        **extra,  # type: ignore[arg-type]
    )


# --- the connector's limit ------------------------------------------------------------------


def test_possible_energy_of_a_22_kw_connector() -> None:
    # 22 kW, a quarter more, for 10 minutes plus a minute of slack, plus 100 Wh.
    assert possible_energy_wh(10 * MINUTE, 22_000) == 5_042 + ENERGY_SLACK_WH


def test_unknown_rating_is_a_megawatt() -> None:
    assert possible_energy_wh(timedelta(hours=1), None) == possible_energy_wh(
        timedelta(hours=1), DEFAULT_MAX_POWER_W * 4 // 5
    )


def test_a_reading_out_of_order_is_never_a_jump_by_itself() -> None:
    assert possible_energy_wh(-MINUTE, 22_000) == possible_energy_wh(timedelta(0), 22_000)


@given(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=1, max_value=10**6),
)
def test_more_time_never_makes_a_jump_of_the_same_size(
    increase: int, seconds: int, power: int
) -> None:
    if is_jump(increase, timedelta(seconds=seconds + 60), power):
        assert is_jump(increase, timedelta(seconds=seconds), power)


# --- the lifetime register billed as session energy ------------------------------------------


def test_meter_start_zero_then_the_lifetime_register() -> None:
    """The issue's case: meterStart 0, Begin 0, 909,948, 910,948, meterStop 911,948."""
    tx = open_tx(meter_start_wh=0)
    observe_register(tx, 0, START, BEGIN_CONTEXT)
    observe_register(tx, 909_948, START + MINUTE)
    assert live_energy_wh(tx) == 0  # not 909 kWh while it charges
    observe_register(tx, 910_948, START + 2 * MINUTE)
    assert live_energy_wh(tx) == 1_000
    assert close_transaction(tx, StopData(START + 3 * MINUTE, 911_948), NOW)
    assert tx.energy_wh == 2_000
    assert tx.meter_start_wh == 909_948
    assert ReviewFlag.ENERGY_IMPLAUSIBLE.value in tx.flags
    assert ReviewFlag.METER_STOP_BELOW_START.value not in tx.flags


def test_a_jump_into_the_stop_reading_counts_nothing_after_it() -> None:
    tx = open_tx(meter_start_wh=0)
    observe_register(tx, 500, START + 2 * MINUTE)
    assert close_transaction(tx, StopData(START + 3 * MINUTE, 911_948), NOW)
    assert tx.energy_wh == 500
    assert ReviewFlag.ENERGY_IMPLAUSIBLE.value in tx.flags


def test_a_jump_with_no_reading_between() -> None:
    tx = open_tx(meter_start_wh=0)
    assert close_transaction(tx, StopData(START + 3 * MINUTE, 911_948), NOW)
    assert tx.energy_wh == 0
    assert ReviewFlag.ENERGY_IMPLAUSIBLE.value in tx.flags


def test_the_connector_rating_decides() -> None:
    # 10 kWh in 5 minutes is 120 kW: plausible for an unknown connector, not for 22 kW.
    for rating, flagged in ((None, False), (150_000, False), (22_000, True)):
        tx = open_tx(meter_start_wh=1_000, max_power_w=rating)
        observe_register(tx, 11_000, START + 5 * MINUTE)
        assert (ReviewFlag.ENERGY_IMPLAUSIBLE.value in tx.flags) is flagged, rating
        assert live_energy_wh(tx) == (0 if flagged else 10_000)


def test_a_normal_session_is_not_flagged() -> None:
    tx = open_tx(meter_start_wh=120_000, max_power_w=11_000)
    for minute in range(1, 61):
        observe_register(tx, 120_000 + minute * 180, START + minute * MINUTE)
    assert close_transaction(tx, StopData(START + 61 * MINUTE, 131_000), NOW)
    assert tx.energy_wh == 11_000
    assert tx.flags == []


def test_a_late_reading_cannot_move_a_rebased_start_back() -> None:
    tx = open_tx(meter_start_wh=0)
    tx.meter_start_at = START  # a start reading that was taken, not fixed by the protocol
    observe_register(tx, 909_948, START + 2 * MINUTE)
    observe_register(tx, 0, START + MINUTE)  # arrives late, taken before the jump
    observe_register(tx, 910_948, START + 3 * MINUTE)
    assert live_energy_wh(tx) == 1_000


@settings(deadline=None)
@given(
    start=st.integers(min_value=0, max_value=10**9),
    steps=st.lists(
        st.tuples(st.integers(0, 3_600), st.integers(-(10**4), 10**9)), min_size=1, max_size=10
    ),
    rating=st.one_of(st.none(), st.integers(min_value=3_000, max_value=400_000)),
)
def test_energy_never_exceeds_what_the_connector_could_deliver(
    start: int, steps: list[tuple[int, int]], rating: int | None
) -> None:
    tx = open_tx(meter_start_wh=start, max_power_w=rating)
    at, register, allowed = START, start, 0
    for seconds, change in steps[:-1]:
        allowed += possible_energy_wh(timedelta(seconds=seconds), rating)
        at, register = at + timedelta(seconds=seconds), max(register + change, 0)
        observe_register(tx, register, at)
        live = live_energy_wh(tx)
        assert live is None or live <= allowed
    seconds, change = steps[-1]
    allowed += possible_energy_wh(timedelta(seconds=seconds), rating)
    close_transaction(tx, StopData(at + timedelta(seconds=seconds), max(register + change, 0)), NOW)
    assert tx.energy_wh is None or 0 <= tx.energy_wh <= allowed


# --- suspect records ------------------------------------------------------------------------


def test_negative_meter_start_is_flagged() -> None:
    assert ReviewFlag.METER_START_NEGATIVE.value in open_tx(meter_start_wh=-5).flags


def test_a_start_on_an_unreported_connector_is_flagged() -> None:
    tx = open_tx(connector_known=False)
    assert tx.flags == [ReviewFlag.UNKNOWN_CONNECTOR.value]


def test_a_stop_by_an_unrelated_token_is_flagged() -> None:
    tx = open_tx()
    close_transaction(tx, StopData(START + MINUTE, 100, id_tag="OTHER", other_token=True), NOW)
    assert ReviewFlag.STOPPED_BY_OTHER_TOKEN.value in tx.flags


def test_timestamps_far_in_the_past() -> None:
    assert timestamp_flags(NOW - LATE_ARRIVAL - MINUTE, NOW) == [ReviewFlag.TIMESTAMP_IN_PAST]
    assert timestamp_flags(NOW - LATE_ARRIVAL + MINUTE, NOW) == []


def test_a_clock_behind_on_a_live_connection() -> None:
    connected = NOW - timedelta(hours=5)
    two_hours_behind = NOW - timedelta(hours=2)
    assert timestamp_flags(two_hours_behind, NOW, connected) == [ReviewFlag.TIMESTAMP_IN_PAST]
    # Within the skew a station may lag; and a message stamped before the connection began
    # may have waited for it.
    assert timestamp_flags(NOW - CLOCK_SKEW, NOW, connected) == []
    assert timestamp_flags(connected - MINUTE, NOW, connected) == []
