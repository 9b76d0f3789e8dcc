"""Site load management: the 50 % / 80 % rules with their hysteresis, and the allocator that
shares what the transformer has left among the sessions (never more than that, nobody below
its minimum unless paused, nobody overtaking the queue)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.load_allocation import (
    CAR_MARGIN_A,
    MIN_STEP_A,
    Allocation,
    Session,
    allocate,
    changes,
    meaningful,
    queue_order,
)
from kilowatt.domain.load_readings import drawn_current_a, parse_reading
from kilowatt.domain.loads import (
    LoadSettings,
    Reason,
    RuleState,
    StartRule,
    Strategy,
    base_load_w,
    budget_w,
    carry_rule,
    rule_state,
    start_rule,
)

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
V = 230
RULES = LoadSettings()


def session(key: int, **fields: object) -> Session:
    fields.setdefault("arrival", T0 + timedelta(minutes=key))
    return Session(key=key, **fields)  # type: ignore[arg-type]


@st.composite
def sessions(draw: st.DrawFn, max_size: int = 8) -> list[Session]:
    count = draw(st.integers(0, max_size))
    made = []
    for key in range(1, count + 1):
        min_a = draw(st.sampled_from([6.0, 6.0, 8.0, 10.0]))
        max_a = draw(st.floats(min_a, 63.0).map(lambda a: round(a, 1)))
        drawn = draw(st.none() | st.floats(0, max_a).map(lambda a: round(a, 1)))
        limit = draw(st.none() | st.floats(0, max_a).map(lambda a: round(a, 1)))
        made.append(
            Session(
                key=key,
                phases=draw(st.sampled_from([1, 3, 3])),
                min_a=min_a,
                max_a=max_a,
                priority=draw(st.sampled_from([0, 0, 0, 1])),
                arrival=T0 + timedelta(seconds=draw(st.integers(0, 3600))),
                rule=draw(st.sampled_from(list(StartRule))),
                drawn_a=drawn,
                limit_a=limit,
            )
        )
    return made


budgets = st.integers(0, 250_000)


def used_w(allocations: dict[int, Allocation]) -> float:
    return sum(a.limit_a * a.phases * V for a in allocations.values())


# The rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load_w", "expected"),
    [(0, RuleState.NORMAL), (50_000, RuleState.NORMAL), (50_001, RuleState.HALF_POWER),
     (80_000, RuleState.HALF_POWER), (80_001, RuleState.HOLD), (120_000, RuleState.HOLD)],
)  # fmt: skip
def test_a_line_is_crossed_upwards_once_the_load_is_above_it(
    load_w: int, expected: RuleState
) -> None:
    assert rule_state(RuleState.NORMAL, load_w, 100_000, RULES) is expected


def test_a_line_is_crossed_downwards_only_below_it_less_the_hysteresis() -> None:
    assert rule_state(RuleState.HOLD, 78_000, 100_000, RULES) is RuleState.HOLD
    assert rule_state(RuleState.HOLD, 75_001, 100_000, RULES) is RuleState.HOLD
    assert rule_state(RuleState.HOLD, 75_000, 100_000, RULES) is RuleState.HALF_POWER
    assert rule_state(RuleState.HOLD, 40_000, 100_000, RULES) is RuleState.NORMAL
    assert rule_state(RuleState.HALF_POWER, 46_000, 100_000, RULES) is RuleState.HALF_POWER
    assert rule_state(RuleState.HALF_POWER, 45_000, 100_000, RULES) is RuleState.NORMAL


@given(
    st.sampled_from(list(RuleState)),
    st.integers(0, 150_000),
    st.integers(-4_999, 4_999),
)
def test_a_wobble_smaller_than_the_hysteresis_never_flips_the_state_back_and_forth(
    previous: RuleState, load_w: int, wobble: int
) -> None:
    first = rule_state(previous, load_w, 100_000, RULES)
    second = rule_state(first, max(0, load_w + wobble), 100_000, RULES)
    third = rule_state(second, load_w, 100_000, RULES)
    assert third is second


@given(st.sampled_from(list(RuleState)), st.integers(0, 150_000))
def test_the_state_never_stays_below_what_the_load_says(previous: RuleState, load: int) -> None:
    state = rule_state(previous, load, 100_000, RULES)
    pct = load / 1000
    if pct > 80:
        assert state is RuleState.HOLD
    elif pct > 50:
        assert state is not RuleState.NORMAL
    if pct <= 45:
        assert state is RuleState.NORMAL


def test_new_sessions_start_by_the_state_and_are_let_go_when_the_load_falls() -> None:
    assert start_rule(RuleState.NORMAL) is StartRule.FULL
    assert start_rule(RuleState.HALF_POWER) is StartRule.HALF
    assert start_rule(RuleState.HOLD) is StartRule.HELD
    assert carry_rule(StartRule.HELD, RuleState.HOLD) is StartRule.HELD
    assert carry_rule(StartRule.HELD, RuleState.HALF_POWER) is StartRule.HALF
    assert carry_rule(StartRule.HELD, RuleState.NORMAL) is StartRule.FULL
    assert carry_rule(StartRule.HALF, RuleState.HOLD) is StartRule.HALF
    assert carry_rule(StartRule.HALF, RuleState.NORMAL) is StartRule.FULL
    assert carry_rule(StartRule.FULL, RuleState.HOLD) is StartRule.FULL


@pytest.mark.parametrize(
    ("field", "changes_"),
    [
        ("half_at_pct", {"half_at_pct": 80}),
        ("half_at_pct", {"half_at_pct": 0}),
        ("half_at_pct", {"hold_at_pct": 101}),
        ("hysteresis_pct", {"hysteresis_pct": 50}),
        ("voltage", {"voltage": 12}),
        ("min_current_a", {"min_current_a": 0}),
        ("fallback_load_w", {"fallback_load_w": -1}),
        ("reading_max_age_s", {"reading_max_age_s": 1}),
        ("meter_topic", {"meter_topic": "site/+/load"}),
    ],
)
def test_bad_settings_are_refused_naming_the_field(field: str, changes_: dict[str, int]) -> None:
    with pytest.raises(InvalidInput) as refused:
        LoadSettings(**changes_).check()  # type: ignore[arg-type]
    assert refused.value.field == field


# The allocator ---------------------------------------------------------------------------


def test_two_cars_share_equally_what_is_left() -> None:
    given_ = allocate(22 * 3 * V, [session(1), session(2)], V)
    assert [given_[1].limit_a, given_[2].limit_a] == [11.0, 11.0]
    assert given_[1].reason is Reason.SHARED


def test_a_car_that_draws_less_leaves_the_rest_to_the_others() -> None:
    slow = session(1, drawn_a=8.0, limit_a=16.0)
    fast = session(2, drawn_a=16.0, limit_a=16.0)
    given_ = allocate(32 * 3 * V, [slow, fast], V)
    assert given_[1].limit_a == 8.0 + CAR_MARGIN_A
    assert given_[1].reason is Reason.CAR_DRAWS_LESS
    assert given_[2].limit_a == 32.0 - 8.0 - CAR_MARGIN_A


def test_without_room_for_every_minimum_the_last_to_arrive_is_paused_and_queued() -> None:
    given_ = allocate(13 * 3 * V, [session(1), session(2), session(3)], V)
    assert (given_[1].limit_a, given_[2].limit_a, given_[3].limit_a) == (6.5, 6.5, 0.0)
    assert given_[3].reason is Reason.NO_ROOM


def test_priority_goes_first_in_the_queue_under_the_priority_strategy() -> None:
    made = [session(1), session(2, priority=1)]
    given_ = allocate(7 * 3 * V, made, V, Strategy.PRIORITY)
    assert (given_[1].limit_a, given_[2].limit_a) == (0.0, 7.0)
    # The other strategies go by arrival alone.
    for strategy in (Strategy.EQUAL_SHARE, Strategy.FIRST_COME):
        given_ = allocate(7 * 3 * V, made, V, strategy)
        assert (given_[1].limit_a, given_[2].limit_a) == (7.0, 0.0)


def test_first_come_serves_the_earlier_session_its_demand_first() -> None:
    made = [session(1, max_a=16.0), session(2, max_a=16.0), session(3, max_a=16.0)]
    given_ = allocate((16 + 6 + 6 + 5) * 3 * V, made, V, Strategy.FIRST_COME)
    assert [given_[k].limit_a for k in (1, 2, 3)] == [16.0, 11.0, 6.0]
    assert given_[1].reason is Reason.AT_MAX


def test_priority_shares_within_the_highest_tier_before_the_next() -> None:
    made = [session(1), session(2, priority=5, max_a=10.0), session(3, priority=5)]
    given_ = allocate((6 + 10 + 20) * 3 * V, made, V, Strategy.PRIORITY)
    assert [given_[k].limit_a for k in (1, 2, 3)] == [6.0, 10.0, 20.0]
    given_ = allocate((6 + 8 + 8) * 3 * V, made, V, Strategy.PRIORITY)
    assert [given_[k].limit_a for k in (1, 2, 3)] == [6.0, 8.0, 8.0]


def test_the_strategy_is_a_setting_that_defaults_to_equal_share() -> None:
    assert LoadSettings().strategy is Strategy.EQUAL_SHARE
    with pytest.raises(InvalidInput) as refused:
        LoadSettings(strategy="loudest").check()  # type: ignore[arg-type]
    assert refused.value.field == "strategy"


def test_half_power_and_held_sessions() -> None:
    half = session(1, max_a=32.0, rule=StartRule.HALF)
    held = session(2, rule=StartRule.HELD)
    given_ = allocate(100_000, [half, held], V)
    assert (given_[1].limit_a, given_[1].reason) == (16.0, Reason.HALF_POWER)
    assert (given_[2].limit_a, given_[2].reason) == (0.0, Reason.HELD)


strategies = st.sampled_from(list(Strategy))


@given(budgets, sessions(), strategies)
def test_the_limits_never_exceed_the_budget(
    budget: int, made: list[Session], strategy: Strategy
) -> None:
    assert used_w(allocate(budget, made, V, strategy)) <= budget + 1e-6


@given(budgets, sessions(), strategies)
def test_a_limit_is_zero_or_between_the_minimum_and_the_demand(
    budget: int, made: list[Session], strategy: Strategy
) -> None:
    given_ = allocate(budget, made, V, strategy)
    for s in made:
        allocation = given_[s.key]
        limit = allocation.limit_a
        assert limit == 0 or s.min_a <= limit <= max(s.min_a, s.demand_a) <= s.ceiling_a
        if s.rule is StartRule.HELD:
            assert (limit, allocation.reason) == (0, Reason.HELD)
        if allocation.reason is Reason.NO_ROOM:
            assert limit == 0


def below_demand(limit: float, s: Session) -> bool:
    # Limits have one decimal: a demand of 6.15 A is met by 6.1 A.
    return limit < math.floor(max(s.min_a, s.demand_a) * 10 + 1e-9) / 10


@given(budgets, sessions())
def test_equal_share_gives_equal_priority_sessions_the_same_unless_their_demand_caps_them(
    budget: int, made: list[Session]
) -> None:
    given_ = allocate(budget, made, V, Strategy.EQUAL_SHARE)
    # A site gives all its sessions one minimum: compare those alike in it.
    for min_a in {s.min_a for s in made}:
        running = [s for s in made if given_[s.key].limit_a > 0 and s.min_a == min_a]
        wanting = [given_[s.key].limit_a for s in running if below_demand(given_[s.key].limit_a, s)]
        if wanting:
            assert max(wanting) - min(wanting) <= 0.1 + 1e-9
            # Those capped by their demand were given no more than those who want more.
            assert all(given_[s.key].limit_a <= max(wanting) + 1e-9 for s in running)


@given(budgets, sessions())
def test_first_come_gives_no_later_session_more_than_its_minimum_while_an_earlier_wants_more(
    budget: int, made: list[Session]
) -> None:
    given_ = allocate(budget, made, V, Strategy.FIRST_COME)
    running = sorted(
        (s for s in made if given_[s.key].limit_a > 0), key=lambda s: (s.arrival, s.key)
    )
    for i, earlier in enumerate(running):
        if below_demand(given_[earlier.key].limit_a, earlier):
            assert all(given_[s.key].limit_a == s.min_a for s in running[i + 1 :])


@given(budgets, sessions())
def test_priority_gives_no_lower_tier_more_than_its_minimum_while_a_higher_wants_more(
    budget: int, made: list[Session]
) -> None:
    given_ = allocate(budget, made, V, Strategy.PRIORITY)
    running = [s for s in made if given_[s.key].limit_a > 0]
    for higher in running:
        if below_demand(given_[higher.key].limit_a, higher):
            lower = [s for s in running if s.priority < higher.priority]
            assert all(given_[s.key].limit_a == s.min_a for s in lower)


@given(budgets, sessions(), strategies)
def test_power_is_not_left_unused_while_someone_wants_more(
    budget: int, made: list[Session], strategy: Strategy
) -> None:
    given_ = allocate(budget, made, V, strategy)
    running = [s for s in made if given_[s.key].limit_a > 0]
    # Limits have one decimal: a demand of 6.15 A is met by 6.1 A.
    if any(given_[s.key].limit_a < math.floor(s.demand_a * 10 + 1e-9) / 10 for s in running):
        phases = sum(s.phases for s in running)
        # What is left is less than one tenth of an ampere on every running phase.
        assert budget - used_w(given_) < (phases + 1) * V / 10 + 1e-6


@given(budgets, sessions(), strategies)
def test_nobody_overtakes_the_queue(budget: int, made: list[Session], strategy: Strategy) -> None:
    given_ = allocate(budget, made, V, strategy)
    waiting = [s for s in queue_order(made, strategy) if s.rule is not StartRule.HELD]
    paused = [given_[s.key].limit_a == 0 for s in waiting]
    # Once one is paused for want of room, everyone after it waits too.
    assert paused == sorted(paused)


@given(
    budgets,
    sessions(max_size=6),
    st.sampled_from([1, 3]),
    st.sampled_from([6.0, 10.0]),
    strategies,
)
def test_a_session_arriving_never_raises_another_s_limit(
    budget: int, made: list[Session], phases: int, min_a: float, strategy: Strategy
) -> None:
    latest = max((s.arrival for s in made), default=T0) + timedelta(seconds=1)
    newcomer = Session(key=99, phases=phases, min_a=min_a, max_a=32.0, arrival=latest)
    assume(all(s.priority == 0 for s in made))
    before = allocate(budget, made, V, strategy)
    after = allocate(budget, [*made, newcomer], V, strategy)
    for s in made:
        assert after[s.key].limit_a <= before[s.key].limit_a


@given(budgets, sessions())
def test_equal_sessions_get_equal_shares(budget: int, made: list[Session]) -> None:
    twins = [session(100 + i, phases=3, arrival=T0) for i in range(3)]
    given_ = allocate(budget, [*made, *twins], V)
    shares = {given_[t.key].limit_a for t in twins if given_[t.key].limit_a > 0}
    assert len(shares) <= 1


# What is sent ------------------------------------------------------------------------------


def test_small_changes_are_not_sent_but_pauses_and_first_limits_are() -> None:
    assert meaningful(None, 10.0)
    assert meaningful(10.0, 0.0)
    assert meaningful(0.0, 6.0)
    assert not meaningful(10.0, 10.0 + MIN_STEP_A - 0.1)
    assert meaningful(10.0, 10.0 + MIN_STEP_A)


@given(budgets, sessions())
def test_what_is_in_force_after_sending_fits_the_budget(budget: int, made: list[Session]) -> None:
    target = allocate(budget, made, V)
    current = {s.key: s.limit_a for s in made}
    send = changes(current, target, budget, V)
    in_force = sum(send.get(s.key, s.limit_a or 0.0) * s.phases * V for s in made)
    assert in_force <= budget + 1e-6
    for key, limit in send.items():
        assert limit == target[key].limit_a


def test_a_small_decrease_is_sent_only_when_the_budget_needs_it() -> None:
    a, b = session(1, limit_a=10.0), session(2, limit_a=10.0)
    target = {1: Allocation(1, 9.5, Reason.SHARED, 3), 2: Allocation(2, 9.5, Reason.SHARED, 3)}
    assert changes({1: 10.0, 2: 10.0}, target, 20 * 3 * V, V) == {}
    assert changes({1: 10.0, 2: 10.0}, target, 19 * 3 * V, V) == {1: 9.5, 2: 9.5}
    assert a.limit_a == b.limit_a


def test_the_base_load_is_the_measured_total_less_the_cars() -> None:
    assert base_load_w(60_000, 22_000) == 38_000
    assert base_load_w(10_000, 22_000) == 0
    assert budget_w(100_000, 38_000) == 62_000
    assert budget_w(100_000, 130_000) == 0


@pytest.mark.parametrize(
    ("payload", "watts"),
    [
        ("12000", 12000),
        ("12.5 kW", 12500),
        ('{"power": 40.2, "unit": "kW"}', 40200),
        ('{"load_w": 900}', 900),
        ("0.1 MW", 100_000),
    ],
)
def test_meter_readings_are_normalised_to_watts(payload: str, watts: int) -> None:
    assert parse_reading(payload) == watts


@pytest.mark.parametrize(
    ("payload", "field"),
    [("12 GW", "unit"), ("lots", "power"), ("-5", "power"), ("{x", "payload"),
     ('{"power": true}', "power"), ("nan", "power")],
)  # fmt: skip
def test_bad_readings_are_refused_naming_what_is_wrong(payload: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_reading(payload)
    assert refused.value.field == field


def test_what_a_car_draws_from_its_meter_report() -> None:
    assert drawn_current_a({"Current.Import.L1": 15.96, "Current.Import.L2": 16.0}, 3, V) == (
        16.0,
        2,
    )
    assert drawn_current_a({"Current.Import": 10.0}, 3, V) == (10.0, 3)
    assert drawn_current_a({"Power.Active.Import": 6900.0}, 3, V) == (10.0, 3)
    assert drawn_current_a({"Energy.Active.Import.Register": 1.0}, 3, V) is None
