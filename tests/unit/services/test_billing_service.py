"""Tariffs, wallets and billing against the fakes: a finished session is priced once, its
CDR written, a prepaid wallet charged without going below zero; replays change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kilowatt.domain.cdrs import CdrKind, Scope
from kilowatt.domain.errors import Conflict, InvalidInput
from kilowatt.domain.live_money import SessionBilled, WalletChanged
from kilowatt.domain.metering import MeterRecord, SampledValue
from kilowatt.domain.stations import RegistrationStatus, Station
from kilowatt.domain.transactions import Transaction, TransactionState
from kilowatt.domain.users import ActorKind, Principal, Role
from kilowatt.domain.wallets import EntryKind, OwnerKind
from kilowatt.services.cdrs import CdrService
from kilowatt.services.ports import BillingContext, EntryFilter
from kilowatt.services.tariffs import TariffService
from kilowatt.services.wallets import WalletService
from tests.support.fakes import FakeUnitOfWorkFactory, FrozenClock, RecordingBus
from tests.support.fakes_money import money

START = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)  # Tuesday 16:00 in Helsinki
ORG, SITE = 1, 10
FINANCE = Principal(ORG, Role.FINANCE, "fin@example.com", kind=ActorKind.USER)
PEAK: dict[str, Any] = {
    "currency": "EUR",
    "vat": "25.5",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": "0.40"}],
            "restrictions": {"start_time": "17:00", "end_time": "21:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": "0.25"},
                {"type": "PARKING_TIME", "price": "6.00", "step_size": 60},
                {"type": "FLAT", "price": "0.50"},
            ]
        },
    ],
}


class World:
    def __init__(self) -> None:
        self.uow = FakeUnitOfWorkFactory()
        self.clock = FrozenClock(START - timedelta(days=1))
        self.bus = RecordingBus()
        self.tariffs = TariffService(self.uow, self.clock, self.bus)
        self.wallets = WalletService(self.uow, self.clock, self.bus)
        self.billing = CdrService(self.uow, self.clock, self.bus)
        self.station = Station(
            ORG, "CP-1", RegistrationStatus.ACCEPTED, START, START, id=self.uow.store.new_id()
        )
        self.uow.store.stations.append(self.station)

    def session(self, wallet_id: int | None = None, group_id: int | None = None) -> int:
        """12,345 Wh from 16:00 to 17:30 local, then 20 minutes idle: stopped."""
        assert self.station.id is not None
        tx = Transaction(
            ORG, self.station.id, 1, 1, "TAG", START, 1_000_000,
            TransactionState.COMPLETED, START, START, id=self.uow.store.new_id(),
            stop_time=START + timedelta(minutes=110), meter_stop_wh=1_012_345,
            energy_wh=12_345,
        )  # fmt: skip
        self.uow.store.transactions.append(tx)
        assert tx.id is not None
        for minutes, wh in ((30, 1_004_115), (60, 1_008_230), (90, 1_012_345)):
            sample = SampledValue(
                START + timedelta(minutes=minutes), "Energy.Active.Import.Register", wh, "Wh"
            )
            self.uow.store.meter_values.append(MeterRecord(self.station.id, 1, 1, tx.id, sample))
        money(self.uow.store).contexts[tx.id] = BillingContext(
            ORG, self.station.id, SITE, "Europe/Helsinki", group_id, wallet_id
        )
        return tx.id


@pytest.fixture
async def world() -> World:
    made = World()
    view = await made.tariffs.create(FINANCE, "Peak", PEAK)
    assert view.tariff.id is not None
    await made.tariffs.assign(FINANCE, view.tariff.id, Scope.ORGANIZATION)
    made.clock.moment = START + timedelta(hours=3)
    return made


async def test_a_session_is_billed_once_with_every_line(world: World) -> None:
    tx = world.session()
    cdr = await world.billing.bill(tx)
    assert cdr is not None
    assert (cdr.total_excl_vat, cdr.vat, cdr.total_incl_vat) == (
        Decimal("6.21"),
        Decimal("1.58"),
        Decimal("7.79"),
    )
    assert sorted((line["dimension"], line["amount"]) for line in cdr.lines) == [
        ("ENERGY", "1.65"),
        ("ENERGY", "2.06"),
        ("FLAT", "0.50"),
        ("PARKING_TIME", "2.00"),
    ]
    again = await world.billing.bill(tx)
    assert again is not None
    assert again.id == cdr.id
    assert len(money(world.uow.store).cdrs) == 1
    assert [type(e) for e in world.bus.published] == [SessionBilled]


async def test_a_prepaid_session_takes_what_the_wallet_holds_and_never_more(world: World) -> None:
    wallet = await world.wallets.create(FINANCE, "Fleet", OwnerKind.ACCOUNT)
    assert wallet.id is not None
    posted = await world.wallets.top_up(FINANCE, wallet.id, Decimal("5.00"), "top-1")
    replay = await world.wallets.top_up(FINANCE, wallet.id, Decimal("5.00"), "top-1")
    assert not posted.replayed
    assert replay.replayed
    assert replay.entry.id == posted.entry.id
    tx = world.session(wallet_id=wallet.id)
    await world.billing.bill(tx)
    await world.billing.bill(tx)  # a replayed stop: charged once
    rows = await world.wallets.all_entries(FINANCE, EntryFilter(wallet_id=wallet.id))
    assert [(r.entry.kind, r.entry.amount, r.entry.unpaid) for r in rows] == [
        (EntryKind.TOP_UP, Decimal("5.00"), Decimal(0)),
        (EntryKind.CHARGE, Decimal("-5.00"), Decimal("2.79")),
    ]
    assert (await world.wallets.get(FINANCE, wallet.id)).balance == 0
    assert world.bus.of(WalletChanged)


async def test_a_key_reused_for_another_amount_is_a_conflict(world: World) -> None:
    wallet = await world.wallets.create(FINANCE, "Fleet", OwnerKind.ACCOUNT)
    assert wallet.id is not None
    await world.wallets.top_up(FINANCE, wallet.id, Decimal("5.00"), "k")
    with pytest.raises(Conflict):
        await world.wallets.top_up(FINANCE, wallet.id, Decimal("6.00"), "k")


async def test_a_token_groups_tariff_wins_and_a_free_group_pays_nothing(world: World) -> None:
    free = {"currency": "EUR", "vat": "25.5", "elements": [
        {"price_components": [{"type": "ENERGY", "price": "0"}]}
    ]}  # fmt: skip
    view = await world.tariffs.create(FINANCE, "Employees", free)
    assert view.tariff.id is not None
    money(world.uow.store).contexts.clear()
    # the group must exist for the assignment
    from kilowatt.domain.tokens import GroupKind, TokenGroup

    group = TokenGroup(ORG, "Staff", GroupKind.COMPANY, START, START, id=world.uow.store.new_id())
    world.uow.store.token_groups.append(group)
    assert group.id is not None
    await world.tariffs.assign(FINANCE, view.tariff.id, Scope.TOKEN_GROUP, group.id)
    cdr = await world.billing.bill(world.session(group_id=group.id))
    assert cdr is not None
    assert (cdr.tariff_id, cdr.total_incl_vat) == (view.tariff.id, Decimal("0.00"))


async def test_a_credit_negates_a_cdr_and_gives_the_wallet_its_money_back(world: World) -> None:
    wallet = await world.wallets.create(FINANCE, "Fleet", OwnerKind.ACCOUNT)
    assert wallet.id is not None
    await world.wallets.top_up(FINANCE, wallet.id, Decimal("20.00"), "t")
    cdr = await world.billing.bill(world.session(wallet_id=wallet.id))
    assert cdr is not None
    assert cdr.id is not None
    note = await world.billing.credit(FINANCE, cdr.id, "wrong tariff")
    assert (note.kind, note.total_incl_vat, note.credits_id) == (
        CdrKind.CREDIT,
        Decimal("-7.79"),
        cdr.id,
    )
    assert (await world.wallets.get(FINANCE, wallet.id)).balance == Decimal("20.00")
    with pytest.raises(Conflict):
        await world.billing.credit(FINANCE, cdr.id, "twice")


async def test_revisions_make_versions_and_never_reprice_the_past(world: World) -> None:
    view = (await world.tariffs.all(FINANCE))[0]
    assert view.tariff.id is not None
    with pytest.raises(InvalidInput) as info:
        await world.tariffs.revise(
            FINANCE, view.tariff.id, PEAK, valid_from=world.clock.now() - timedelta(hours=1)
        )
    assert info.value.field == "valid_from"
    revised = await world.tariffs.revise(FINANCE, view.tariff.id, {**PEAK, "vat": "24"})
    assert [v.version for v in revised.versions] == [1, 2]
    world.clock.advance(minutes=1)
    with pytest.raises(InvalidInput) as info:
        await world.tariffs.revise(FINANCE, view.tariff.id, {**PEAK, "currency": "SEK"})
    assert info.value.field == "currency"


async def test_the_calculator_explains_a_session(world: World) -> None:
    view = (await world.tariffs.all(FINANCE))[0]
    assert view.tariff.id is not None
    quote = await world.tariffs.quote(
        FINANCE,
        view.tariff.id,
        START,
        START + timedelta(minutes=90),
        12_345,
        START + timedelta(minutes=110),
        "Europe/Helsinki",
    )
    assert quote.priced.total_incl_vat == Decimal("7.79")
    with pytest.raises(InvalidInput) as info:
        await world.tariffs.quote(FINANCE, view.tariff.id, START, START, 1)
    assert info.value.field == "charging_until"


async def test_unbilled_sessions_are_billed_by_the_job(world: World) -> None:
    first, second = world.session(), world.session()
    assert await world.billing.bill_unbilled() == 2
    assert await world.billing.bill_unbilled() == 0
    assert {c.transaction_id for c in money(world.uow.store).cdrs} == {first, second}
