"""The wallet ledger: entries move the balance; a charge never takes it below zero."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import Conflict, InvalidInput
from kilowatt.domain.wallets import EntryKind, OwnerKind, Wallet, balance_of, entry, has_credit

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def wallet(balance: str = "0") -> Wallet:
    return Wallet(1, OwnerKind.DRIVER, "Anna", "EUR", NOW, id=7, balance=Decimal(balance))


def test_top_up_then_a_charge_bigger_than_the_balance_stops_at_zero() -> None:
    w = wallet()
    top = entry(w, EntryKind.TOP_UP, Decimal("5.00"), "t1", NOW, "op")
    charge = entry(w, EntryKind.CHARGE, Decimal("7.25"), "c1", NOW, "billing", transaction_id=3)
    assert (top.amount, top.balance_after) == (Decimal("5.00"), Decimal("5.00"))
    assert (charge.amount, charge.unpaid, w.balance) == (Decimal("-5.00"), Decimal("2.25"), 0)
    assert balance_of([top, charge]) == w.balance


def test_refunds_and_adjustments_never_go_below_zero() -> None:
    w = wallet("3.00")
    with pytest.raises(Conflict):
        entry(w, EntryKind.REFUND, Decimal("3.01"), "r", NOW, "op")
    with pytest.raises(Conflict):
        entry(w, EntryKind.ADJUSTMENT, Decimal("-3.01"), "a", NOW, "op", reason="typo")
    with pytest.raises(InvalidInput) as info:
        entry(w, EntryKind.ADJUSTMENT, Decimal("1.00"), "a", NOW, "op")
    assert info.value.field == "reason"
    assert w.balance == Decimal("3.00")


@pytest.mark.parametrize(
    ("amount", "field"),
    [(Decimal("0"), "amount"), (Decimal("-1"), "amount"), (Decimal("1.001"), "amount")],
)
def test_bad_top_ups_are_refused(amount: Decimal, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        entry(wallet(), EntryKind.TOP_UP, amount, "k", NOW, "op")
    assert info.value.field == field


def test_a_key_is_required() -> None:
    with pytest.raises(InvalidInput) as info:
        entry(wallet(), EntryKind.TOP_UP, Decimal(1), "  ", NOW, "op")
    assert info.value.field == "idempotency_key"


def test_credit_needs_a_positive_balance_at_or_above_the_minimum() -> None:
    w = wallet("1.00")
    assert has_credit(w)
    w.min_balance = Decimal("2.00")
    assert not has_credit(w)
    assert not has_credit(wallet("0"))


operations = st.lists(
    st.tuples(
        st.sampled_from([EntryKind.TOP_UP, EntryKind.CHARGE, EntryKind.REFUND]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
    ),
    max_size=30,
)


@given(operations)
def test_the_balance_is_the_ledgers_sum_and_never_negative(
    ops: list[tuple[EntryKind, Decimal]],
) -> None:
    w = wallet()
    entries = []
    for i, (kind, amount) in enumerate(ops):
        try:
            entries.append(entry(w, kind, amount, f"k{i}", NOW, "op"))
        except Conflict:
            continue
        assert w.balance >= 0
    assert balance_of(entries) == w.balance
