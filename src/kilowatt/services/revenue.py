"""Money reports: the home page's top-up and revenue figures (today, this month, this year,
all time, each with its change) and the monthly revenue, in the organization's time zone.
Definitions: domain/revenue.py. Amounts are read as stored and summed as Decimal here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from kilowatt.domain.money import check_currency
from kilowatt.domain.revenue import MoneyFigures, between, figures, monthly, parse_amounts
from kilowatt.domain.sites import check_timezone
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWorkFactory

BEGINNING = datetime(1900, 1, 1, tzinfo=UTC)
"""All time: even bills of sessions a station stamped in 1970."""


@dataclass(frozen=True, slots=True)
class MoneySummary:
    currency: str
    timezone: str
    revenue: MoneyFigures
    top_ups: MoneyFigures | None
    """None: not reported to this caller (limited to some sites: wallets belong to the whole
    organization)."""
    months: list[tuple[date, Decimal]]
    """Revenue per month, oldest first."""


class RevenueService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, currency: str = "EUR"
    ) -> None:
        super().__init__(uow, clock, bus)
        self.currency = check_currency(currency)

    async def summary(self, principal: Principal, timezone: str, months: int = 12) -> MoneySummary:
        zone = ZoneInfo(check_timezone(timezone))
        now = self.clock.now()
        since = BEGINNING
        until = now + timedelta(seconds=1)
        async with self.uow(readonly=True) as uow:
            revenue_rows = await uow.cdrs.revenue_rows(principal.scope, since, until)
            top_up_rows = (
                None
                if principal.limited
                else await uow.wallets.top_up_rows(principal.organization_id, since, until)
            )
        revenue = parse_amounts(revenue_rows, self.currency)
        top_ups = None if top_up_rows is None else parse_amounts(top_up_rows, self.currency)
        return MoneySummary(
            currency=self.currency,
            timezone=timezone,
            revenue=figures(revenue, between(revenue, since, until), now, zone),
            top_ups=(
                None
                if top_ups is None
                else figures(top_ups, between(top_ups, since, until), now, zone)
            ),
            months=monthly(revenue, now, zone, months),
        )
