"""Live cost against the fakes: a running session is priced reading by reading without a
unit of work per reading, publishes its cost when it changes, and after a restart is rebuilt
from its stored readings with one unit of work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kilowatt.domain.cdrs import Scope
from kilowatt.domain.live import MeterValuesReported, TransactionEnded, TransactionStarted
from kilowatt.domain.live_money import SessionCostUpdated, WalletChanged
from kilowatt.domain.metering import MeterRecord, SampledValue
from kilowatt.domain.pricing import Reading, price_session
from kilowatt.domain.tariffs import TariffVersion
from kilowatt.domain.transactions import Transaction, TransactionState
from kilowatt.domain.wallets import EntryKind, OwnerKind, Wallet
from kilowatt.services.ports import BillingContext
from kilowatt.services.session_costs import SessionCostService
from tests.support.fakes_money import money
from tests.unit.services.test_billing_service import FINANCE, ORG, PEAK, SITE, START, World


@pytest.fixture
async def world() -> World:
    made = World()
    view = await made.tariffs.create(FINANCE, "Peak", PEAK)
    assert view.tariff.id is not None
    await made.tariffs.assign(FINANCE, view.tariff.id, Scope.ORGANIZATION)
    made.clock.moment = START + timedelta(hours=3)
    return made


def running_session(world: World) -> int:
    assert world.station.id is not None
    tx = Transaction(
        ORG, world.station.id, 1, 1, "TAG", START, 1_000_000,
        TransactionState.ACTIVE, START, START, id=world.uow.store.new_id(),
    )  # fmt: skip
    world.uow.store.transactions.append(tx)
    assert tx.id is not None
    money(world.uow.store).contexts[tx.id] = BillingContext(
        ORG, world.station.id, SITE, "Europe/Helsinki", None, None
    )
    return tx.id


def versions(world: World) -> list[TariffVersion]:
    return next(iter(money(world.uow.store).versions.values()))


def reading(tx: int, minutes: int, wh: int) -> MeterValuesReported:
    return MeterValuesReported(
        "CP-1", 1, 1, tx, wh, {}, measured_at=START + timedelta(minutes=minutes)
    )


async def test_readings_are_priced_in_memory_without_a_unit_of_work_each(world: World) -> None:
    tx = running_session(world)
    costs = SessionCostService(world.uow, world.clock, world.bus)
    costs.on_started(TransactionStarted("CP-1", tx, 1, 1, "TAG", 0))
    await costs.settle()
    opened = len(world.uow.opened)
    readings = [(minute, minute * 100) for minute in range(1, 91)]  # 16:00-17:30 local
    for minute, wh in readings:
        costs.on_meter(reading(tx, minute, wh))
    assert len(world.uow.opened) == opened  # no query per reading
    expected = price_session(
        versions(world),
        "Europe/Helsinki",
        [Reading(START, 0), *(Reading(START + timedelta(minutes=m), wh) for m, wh in readings)],
    )
    running = costs.running(tx)
    assert running is not None
    assert running.so_far().total_incl_vat == expected.total_incl_vat
    published = world.bus.of(SessionCostUpdated)
    assert published[-1].cost == str(expected.total_incl_vat)
    assert len({e.cost for e in published}) == len(published)  # only when it changed


async def test_after_a_restart_a_running_session_is_rebuilt_once_from_its_readings(
    world: World,
) -> None:
    tx = running_session(world)
    assert world.station.id is not None
    for minute, wh in ((30, 1_003_000), (60, 1_006_000)):
        sample = SampledValue(
            START + timedelta(minutes=minute), "Energy.Active.Import.Register", wh, "Wh"
        )
        world.uow.store.meter_values.append(MeterRecord(world.station.id, 1, 1, tx, sample))
    costs = SessionCostService(world.uow, world.clock, world.bus)
    opened = len(world.uow.opened)
    costs.on_meter(reading(tx, 90, 9_000))
    await costs.settle()
    costs.on_meter(reading(tx, 91, 9_100))
    assert len(world.uow.opened) == opened + 1
    running = costs.running(tx)
    assert running is not None
    timeline = [(0, 0), (30, 3_000), (60, 6_000), (90, 9_000), (91, 9_100)]
    expected = price_session(
        versions(world),
        "Europe/Helsinki",
        [Reading(START + timedelta(minutes=m), wh) for m, wh in timeline],
    )
    assert running.energy_wh == 9_100
    assert running.so_far().total_incl_vat == expected.total_incl_vat


def prepaid_session(world: World, wallet_id: int) -> int:
    tx = running_session(world)
    assert world.station.id is not None
    money(world.uow.store).contexts[tx] = BillingContext(
        ORG, world.station.id, SITE, "Europe/Helsinki", None, wallet_id
    )
    return tx


def prepaid_wallet(world: World, balance: str) -> int:
    wallet = Wallet(ORG, OwnerKind.ACCOUNT, "Fleet", "EUR", START, balance=Decimal(balance), id=77)
    money(world.uow.store).wallets.append(wallet)
    return 77


async def test_sessions_on_one_wallet_share_its_credit_until_their_charges_reach_the_ledger(
    world: World,
) -> None:
    wallet_id = prepaid_wallet(world, "10.00")
    first, second = prepaid_session(world, wallet_id), prepaid_session(world, wallet_id)
    costs = SessionCostService(world.uow, world.clock, world.bus)
    for tx in (first, second):
        costs.on_started(TransactionStarted("CP-1", tx, 1, 1, "TAG", 0))
    await costs.settle()
    opened = len(world.uow.opened)
    costs.on_meter(reading(first, 10, 1_000))
    costs.on_meter(reading(second, 10, 1_000))
    one, two = costs.running(first), costs.running(second)
    assert one is not None
    assert two is not None
    totals = [r.so_far().total_incl_vat for r in (one, two)]
    assert costs.spent(wallet_id) == sum(t for t in totals if t is not None)
    assert costs.spent(wallet_id) < Decimal(10)
    assert (one.stop_requested, two.stop_requested) == (False, False)
    # 40 kWh more on the first: together past the balance, both are stopped (once).
    costs.on_meter(reading(first, 11, 41_000))
    assert (one.stop_requested, two.stop_requested) == (True, True)
    assert len(world.uow.opened) == opened  # from memory
    # The first ends: its cost still counts until its charge reaches the ledger.
    spent = costs.spent(wallet_id)
    costs.on_ended(TransactionEnded("CP-1", first, 1, 1, "TAG", 41_000))
    assert costs.spent(wallet_id) == spent
    costs.on_wallet(WalletChanged(ORG, wallet_id, EntryKind.CHARGE, "-10.00", "0.00", "EUR", first))
    assert costs.spent(wallet_id) == two.so_far().total_incl_vat
    assert two.so_far().balance == Decimal("0.00")


async def test_a_session_of_another_node_is_followed_from_its_relayed_readings(
    world: World,
) -> None:
    tx = running_session(world)
    costs = SessionCostService(world.uow, world.clock, world.bus)
    seen: list[int] = []
    costs.watch(lambda running: seen.append(running.energy_wh))
    costs.on_relayed_meter(reading(tx, 5, 500))  # not followed: ignored
    costs.follow(tx)
    await costs.settle()
    costs.on_relayed_meter(reading(tx, 10, 1_000))
    running = costs.running(tx)
    assert running is not None
    assert running.energy_wh == 1_000
    assert seen == [1_000]
    assert world.bus.of(SessionCostUpdated) == []  # its own node publishes it
    costs.on_relayed_ended(TransactionEnded("CP-1", tx, 1, 1, "TAG", 1_000))
    assert costs.running(tx) is None
