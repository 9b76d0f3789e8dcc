"""Storage ports of the CDRs (billing) area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.cdrs import Cdr
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class BillingContext:
    """What pricing a finished session needs besides its readings."""

    organization_id: int
    station_id: int
    site_id: int | None
    timezone: str
    group_id: int | None
    wallet_id: int | None


class CdrRepository(Protocol):
    async def add(self, cdr: Cdr) -> Cdr:
        """Conflict when the session (or, for a credit, the CDR) is billed already."""
        ...

    async def get(self, organization_id: int, cdr_id: int) -> Cdr | None: ...
    async def by_key(self, bill_key: str) -> Cdr | None: ...
    async def for_transactions(self, transaction_ids: list[int]) -> list[Cdr]:
        """Every CDR and credit of these sessions."""
        ...

    async def search(
        self,
        organization_id: int,
        page: PageRequest,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[Cdr]: ...
    async def context(self, transaction_id: int) -> BillingContext | None: ...
    async def unbilled(self, ended_before: datetime, limit: int) -> list[int]:
        """Completed sessions with no CDR yet, that ended before ``ended_before``."""
        ...

    async def amounts_between(
        self, organization_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        """(created_at, currency, total incl. VAT) of every CDR and credit in the period."""
        ...

    async def revenue_rows(
        self, scope: Scope, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        """(when it counts, currency, total incl. VAT as stored) of the CDRs of the sites in
        ``scope`` that count in [since, until): a CDR at its session's stop, a credit
        (negative) when it was made (domain/revenue.py)."""
        ...
