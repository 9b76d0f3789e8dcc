"""Charge orders' rules: limits checked naming the field, the limit reached once, a force stop
of an order that has ended refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.charge_orders import (
    ChargeOrder,
    LimitKind,
    OrderOutcome,
    OrderState,
    check_limit,
    follow,
    force_stop,
    session_began,
    session_ended,
)
from kilowatt.domain.errors import InvalidInput

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def order(kind: LimitKind, limit: str) -> ChargeOrder:
    made = ChargeOrder(1, 2, "CP-1", 1, "TAG", kind, Decimal(limit), "op", NOW, id=9)
    session_began(made, 77, NOW)
    return made


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (LimitKind.ENERGY, "0"),
        (LimitKind.ENERGY, "-1"),
        (LimitKind.ENERGY, "abc"),
        (LimitKind.ENERGY, "NaN"),
        (LimitKind.ENERGY, "20000"),
        (LimitKind.MINUTES, "1.5"),
        (LimitKind.MONEY, "2000000"),
    ],
)
def test_bad_limits_are_refused_naming_the_limit(kind: LimitKind, value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_limit(kind, value)
    assert refused.value.field == "limit"


@pytest.mark.parametrize(
    ("kind", "limit", "progress", "reached"),
    [
        (LimitKind.ENERGY, "3", (2_999, 0, None), False),
        (LimitKind.ENERGY, "3", (3_000, 0, None), True),
        (LimitKind.MINUTES, "10", (0, 599, None), False),
        (LimitKind.MINUTES, "10", (0, 600, None), True),
        (LimitKind.MONEY, "2.00", (0, 0, Decimal("1.99")), False),
        (LimitKind.MONEY, "2.00", (0, 0, Decimal("2.00")), True),
    ],
)
def test_the_limit_is_reached_at_its_value(
    kind: LimitKind, limit: str, progress: tuple[int, int, Decimal | None], reached: bool
) -> None:
    made = order(kind, limit)
    energy, elapsed, cost = progress
    assert follow(made, energy, elapsed, cost, "EUR") is reached
    assert made.state is (OrderState.STOPPING if reached else OrderState.RUNNING)


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=40))
def test_the_limit_is_reached_once_and_progress_never_goes_back(steps: list[int]) -> None:
    made = order(LimitKind.ENERGY, "5")
    energy, reached, last = 0, 0, Decimal(0)
    for step in steps:
        energy += step
        reached += follow(made, energy, 0, None, None)
        assert made.progress >= last
        last = made.progress
    assert reached == (1 if energy >= 5_000 else 0)


def test_a_force_stop_stops_the_session_and_an_ended_order_refuses_it() -> None:
    made = order(LimitKind.ENERGY, "5")
    assert force_stop(made) is True
    assert (made.state, made.outcome) == (OrderState.STOPPING, OrderOutcome.FORCE_STOPPED)
    session_ended(made, NOW, 1_234)
    assert (made.state, made.outcome, made.energy_wh) == (
        OrderState.COMPLETED,
        OrderOutcome.FORCE_STOPPED,
        1_234,
    )
    with pytest.raises(InvalidInput):
        force_stop(made)
