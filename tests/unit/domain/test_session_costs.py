"""A running session's cost in memory: published when it changes, a prepaid session's credit
used up once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.pricing import Reading, SessionPricer
from kilowatt.domain.session_costs import RunningCost, WalletCredit
from kilowatt.domain.tariffs import Dimension, PriceComponent, TariffElement, TariffVersion
from kilowatt.domain.wallets import OwnerKind, Wallet, has_credit

START = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
HALF = TariffVersion(
    currency="EUR",
    vat_percent=Decimal(0),
    valid_from=START - timedelta(days=1),
    elements=(TariffElement((PriceComponent(Dimension.ENERGY, Decimal("0.50")),)),),
)


def running(balance: Decimal | None = None) -> RunningCost:
    cost = RunningCost(
        transaction_id=7,
        organization_id=1,
        station="CP-1",
        started=START,
        pricer=SessionPricer([HALF], "UTC", START),
        balance=balance,
    )
    cost.add(Reading(START, 0))
    return cost


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_the_cost_is_published_only_when_it_changes() -> None:
    cost = running()
    cost.add(Reading(at(5), 1_000))
    assert cost.changed()
    assert not cost.changed()
    cost.add(Reading(at(6), 1_004))  # 0.502 -> 0.50: the same cost
    assert not cost.changed()
    cost.add(Reading(at(7), 1_020))
    assert cost.changed()
    so_far = cost.so_far()
    assert (so_far.total_incl_vat, so_far.energy_wh, so_far.elapsed_s) == (
        Decimal("0.51"),
        1_020,
        420,
    )


def test_a_prepaid_session_is_told_to_stop_once_when_its_cost_reaches_the_balance() -> None:
    cost = running(Decimal("5.00"))
    cost.add(Reading(at(5), 9_980))  # 4.99
    assert not cost.credit_used_up()
    cost.add(Reading(at(6), 10_000))  # 5.00
    assert cost.credit_used_up()
    assert cost.stop_once()
    cost.add(Reading(at(7), 12_000))
    assert cost.credit_used_up()
    assert not cost.stop_once()


def test_sessions_on_one_wallet_spend_its_balance_together() -> None:
    wallet = Wallet(1, OwnerKind.ACCOUNT, "Fleet", "EUR", START, None, Decimal("1.00"))
    wallet.balance = Decimal("5.00")
    credit = WalletCredit(3, wallet.balance)
    first, second = running(), running()
    second.transaction_id = 8
    first.credit = second.credit = credit
    first.add(Reading(at(5), 5_000))  # 2.50
    assert not first.credit_used_up()
    assert (credit.remaining(), has_credit(wallet, credit.spent())) == (Decimal("2.50"), True)
    second.add(Reading(at(5), 3_000))  # 1.50: 4.00 together, 1.00 left
    assert not second.credit_used_up()
    assert has_credit(wallet, credit.spent())
    second.add(Reading(at(6), 3_100))  # 1.55: 0.95 left, under the minimum
    assert not second.credit_used_up()
    assert not has_credit(wallet, credit.spent())
    second.add(Reading(at(7), 5_000))  # 2.50 + 2.50: the balance is spent
    assert second.credit_used_up()
    assert first.credit_used_up()


def test_an_ended_session_counts_until_its_charge_reaches_the_ledger() -> None:
    credit = WalletCredit(3, Decimal("5.00"))
    credit.running.update({7: Decimal("3.00"), 8: Decimal("1.00")})
    credit.ended(7)
    assert credit.spent() == Decimal("4.00")
    credit.charged(None, Decimal("15.00"))  # a top-up meanwhile
    assert credit.remaining() == Decimal("11.00")
    credit.charged(7, Decimal("12.00"))  # its charge of 3.00
    assert (credit.spent(), credit.remaining()) == (Decimal("1.00"), Decimal("11.00"))
    credit.ended(8)
    credit.charged(8, Decimal("11.00"))
    assert credit.idle


def test_a_cost_update_goes_at_most_every_interval_to_a_station_showing_cost() -> None:
    cost = running()
    cost.add(Reading(at(5), 1_000))
    assert cost.cost_update_due(at(5), 60) is None  # the station does not show cost
    cost.shows_cost, cost.station_transaction_id = True, "T1"
    assert cost.cost_update_due(at(5), 60) == Decimal("0.50")
    cost.add(Reading(at(6), 2_000))
    assert cost.cost_update_due(at(5) + timedelta(seconds=59), 60) is None
    assert cost.cost_update_due(at(6), 60) == Decimal("1.00")


def test_without_a_tariff_energy_and_time_are_still_followed() -> None:
    cost = RunningCost(7, 1, "CP-1", START, pricer=None, balance=Decimal(1))
    cost.add(Reading(at(10), 3_000))
    assert not cost.changed()
    assert not cost.credit_used_up()
    so_far = cost.so_far()
    assert (so_far.currency, so_far.total_incl_vat, so_far.energy_wh, so_far.elapsed_s) == (
        None,
        None,
        3_000,
        600,
    )


@given(st.lists(st.integers(min_value=0, max_value=2_000), min_size=1, max_size=30))
def test_the_live_cost_is_the_whole_sessions_price_at_every_reading(steps: list[int]) -> None:
    cost = running()
    energy = 0
    for minute, step in enumerate(steps, start=1):
        energy += step
        cost.add(Reading(at(minute), energy))
        fresh = SessionPricer([HALF], "UTC", START)
        fresh.add(Reading(START, 0))
        fresh.add(Reading(at(minute), energy))
        assert cost.so_far().total_incl_vat == fresh.price().total_incl_vat
