"""The demo network's money, seeded on SQLite as `kilowatt demo` seeds it: a time-of-use
tariff with an idle fee as the organization's default, employees charging free, prepaid
drivers with balances, and past sessions billed so that the home page has revenue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kilowatt import demo
from kilowatt.bootstrap import build, prepare_database
from kilowatt.config import Settings
from kilowatt.domain.cdrs import Place, Scope
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.users import Principal, Role
from kilowatt.services.ports import EntryFilter, TokenFilter, TransactionFilter


@pytest.mark.timeout(900)
async def test_the_demo_has_tariffs_wallets_and_revenue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "history_days", lambda _now: 20)
    container = build(Settings(data_dir=tmp_path))
    try:
        await prepare_database(container.database, upgrade=True)
        services = container.services
        await demo.seed(services)
        organization = await services.organizations.by_name(demo.ORGANIZATION)
        assert organization.id is not None
        owner = Principal(organization.id, Role.OWNER, "test")

        tariffs = {view.tariff.name: view for view in await services.tariffs.all(owner)}
        tou = tariffs["Time of use"].current
        assert tou.elements[0].restrictions.start_time is not None  # the peak
        assert tou.elements[1].restrictions.min_duration == 7200  # the idle fee's grace
        free = tariffs["Employees free"]
        scopes = {(a.scope, a.tariff_id) for a in await services.tariffs.assignments(owner)}
        assert (Scope.ORGANIZATION, tariffs["Time of use"].tariff.id) in scopes
        assert (Scope.TOKEN_GROUP, free.tariff.id) in scopes

        wallets = (await services.wallets.search(owner, PageRequest(50))).items
        balances = sorted(w.balance for w in wallets)
        assert balances == [Decimal("8.50"), Decimal("50.00"), Decimal("120.00"), Decimal("500.00")]
        top_ups = await services.wallets.all_entries(owner, EntryFilter())
        assert len(top_ups) == 4

        # Every past session is billed (20 days: within the days billed at once).
        sessions = await services.exports.sessions(owner, PageRequest(500), TransactionFilter())
        assert sessions.items
        cdrs = await services.cdrs.search(owner, PageRequest(500))
        assert len(cdrs.items) == len(sessions.items)
        # The history knows its cards by value only: it is priced by the default.
        assert all(c.total_incl_vat > 0 for c in cdrs.items)
        assert {c.tariff_id for c in cdrs.items} == {tariffs["Time of use"].tariff.id}
        # An employee's card charges by the free tariff from now on.
        token = (
            await services.tokens.search(owner, PageRequest(5), TokenFilter(search="DEMO0001"))
        ).items[0]
        assert token.token.group_id is not None
        station = cdrs.items[0]
        place = Place(
            organization.id, station.site_id, station.station_id, 1, (token.token.group_id,)
        )
        found = await services.tariffs.applicable(owner, place)
        assert found is not None
        assert found[0].tariff_id == free.tariff.id
        summary = await services.revenue.summary(owner, "Europe/Helsinki")
        assert summary.revenue.cumulative == sum(c.total_incl_vat for c in cdrs.items)
        assert summary.revenue.month.current + summary.revenue.month.previous > 0
        assert summary.top_ups is not None
        assert summary.top_ups.cumulative == Decimal("678.50")
        # Seeding again adds nothing.
        assert await demo.seed(services)
        assert len((await services.wallets.search(owner, PageRequest(50))).items) == 4
    finally:
        await container.close()
