"""The home page's money figures against the fakes: revenue counted on the local day a
session ended (credits negative, on the day they were made), top-ups when recorded, each
period against the same stretch of the one before, sums exact in Decimal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kilowatt.domain.cdrs import Cdr, CdrKind, credit
from kilowatt.domain.users import ActorKind, Principal, Role
from kilowatt.domain.wallets import OwnerKind
from kilowatt.services.revenue import RevenueService
from kilowatt.services.wallets import WalletService
from tests.support.fakes import FakeUnitOfWorkFactory, FrozenClock, RecordingBus
from tests.support.fakes_money import money

ORG = 1
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki, a Tuesday
FINANCE = Principal(ORG, Role.FINANCE, "fin@example.com", kind=ActorKind.USER)
LIMITED = Principal(
    ORG, Role.FINANCE, "site@example.com", kind=ActorKind.USER, site_ids=frozenset({10})
)


def bill(uow: FakeUnitOfWorkFactory, stop: datetime, total: str, site: int = 10) -> Cdr:
    cdr = Cdr(
        ORG, uow.store.new_id(), 1, 1, site, "TAG", None, "EUR", stop - timedelta(hours=1),
        stop, 0, 1000, 1000, 3600, 0, Decimal(total), Decimal(0), Decimal(0), Decimal(total),
        [], [], stop + timedelta(days=3),
    )  # fmt: skip
    cdr.id = uow.store.new_id()
    money(uow.store).cdrs.append(cdr)
    return cdr


async def test_revenue_counts_on_the_local_day_the_session_ended() -> None:
    uow = FakeUnitOfWorkFactory()
    clock = FrozenClock(NOW)
    service = RevenueService(uow, clock, RecordingBus())
    # 23:30 UTC on 7 December is 01:30 on the 8th in Helsinki: today.
    bill(uow, datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "10.10")
    bill(uow, datetime(2026, 12, 7, 8, 0, tzinfo=UTC), "4.00")  # yesterday, before 12:00
    bill(uow, datetime(2026, 12, 7, 12, 0, tzinfo=UTC), "100.00")  # yesterday, after 12:00
    bill(uow, datetime(2026, 11, 3, 9, 0, tzinfo=UTC), "3.30")  # last month, before the 8th
    bill(uow, datetime(2025, 12, 1, 9, 0, tzinfo=UTC), "2.20")  # last year
    bill(uow, datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "7.00", site=20)  # another site
    summary = await service.summary(FINANCE, "Europe/Helsinki")
    revenue = summary.revenue
    assert revenue.day.current == Decimal("17.10")
    assert revenue.day.previous == Decimal("4.00")
    assert revenue.day.change == 327.5
    assert revenue.month.current == Decimal("121.10")
    assert revenue.month.previous == Decimal("3.30")
    assert revenue.cumulative == Decimal("126.60")
    assert dict(summary.months)[date(2026, 12, 1)] == Decimal("121.10")
    assert date(2025, 12, 1) not in dict(summary.months)  # 12 months: January to December
    assert len(summary.months) == 12
    assert summary.months[0][0] == date(2026, 1, 1)
    # A site-limited caller sees its sites' bills, and no top-ups (wallets are the
    # organization's).
    limited = await service.summary(LIMITED, "Europe/Helsinki")
    assert limited.revenue.day.current == Decimal("10.10")
    assert limited.top_ups is None


async def test_a_credit_counts_negative_when_made_and_top_ups_when_recorded() -> None:
    uow = FakeUnitOfWorkFactory()
    clock = FrozenClock(NOW - timedelta(days=40))
    wallets = WalletService(uow, clock, RecordingBus())
    wallet = await wallets.create(FINANCE, "Fleet", OwnerKind.ACCOUNT)
    assert wallet.id is not None
    await wallets.top_up(FINANCE, wallet.id, Decimal("50.00"), "a")
    clock.moment = NOW - timedelta(hours=1)
    await wallets.top_up(FINANCE, wallet.id, Decimal("20.05"), "b")
    await wallets.top_up(FINANCE, wallet.id, Decimal("20.05"), "b")  # the same form again
    await wallets.refund(FINANCE, wallet.id, Decimal("5.00"), "c")
    old = bill(uow, datetime(2026, 10, 1, 9, 0, tzinfo=UTC), "8.00")
    money(uow.store).cdrs.append(credit(old, "wrong tariff", NOW - timedelta(hours=2)))
    clock.moment = NOW
    summary = await RevenueService(uow, clock, RecordingBus()).summary(FINANCE, "UTC")
    assert summary.top_ups is not None
    assert summary.top_ups.day.current == Decimal("20.05")
    assert summary.top_ups.cumulative == Decimal("70.05")
    assert summary.revenue.day.current == Decimal("-8.00")
    assert summary.revenue.cumulative == Decimal("0.00")
    assert [c.kind for c in money(uow.store).cdrs] == [CdrKind.CDR, CdrKind.CREDIT]
