"""Storage ports of the reporting area."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from kilowatt.domain.drivers import Driver
from kilowatt.domain.reporting import Figures, Ledger, SitePoint, StatusCounts
from kilowatt.domain.reporting_periods import Bounds, Crossing
from kilowatt.domain.transactions import Transaction
from kilowatt.domain.users import Scope


class ReportingStore(Protocol):
    """Figures aggregated in the database (persistence/read_models.py); reads take a Scope."""

    async def daily(self, scope: Scope, start: datetime, end: datetime, now: datetime) -> Ledger:
        """Sessions started in [start, end) per site-local day of their start: how many, their
        energy and their charging seconds, those of running sessions so far (``now``);
        new_drivers stays 0."""
        ...

    async def cumulative(self, scope: Scope, now: datetime) -> Figures:
        """The same, over all time."""
        ...

    async def zones(self, scope: Scope) -> list[str]:
        """The time zones of the stations in scope: their sites' (UTC without a site)."""
        ...

    async def stretch(
        self, scope: Scope, bounds: Mapping[str, Bounds]
    ) -> tuple[Figures, list[Crossing]]:
        """Sessions started in [since, until) of the bounds of their site's time zone: every
        one counted, with the energy and charging time of those that ended by ``until``; and
        the others (still running at ``until``), for domain/reporting_periods.py to share."""
        ...

    async def drivers_made(self, organization_id: int, start: datetime, end: datetime) -> int:
        """How many driver accounts were made in [start, end)."""
        ...

    async def status(self, scope: Scope) -> StatusCounts: ...
    async def sites(self, scope: Scope) -> list[SitePoint]:
        """Every site in scope, by id, with how many stations it has and how many are online."""
        ...

    async def import_history(
        self, transactions: Sequence[Transaction], drivers: Sequence[Driver]
    ) -> None:
        """Insert completed transactions and drivers in bulk (the demo's past)."""
        ...
