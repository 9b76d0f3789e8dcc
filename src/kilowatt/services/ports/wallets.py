"""Storage ports of the wallets area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.wallets import EntryKind, LedgerEntry, Wallet


@dataclass(frozen=True, slots=True)
class EntryFilter:
    wallet_id: int | None = None
    kinds: tuple[EntryKind, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A ledger entry with its wallet's name and currency (the transaction records list)."""

    entry: LedgerEntry
    wallet_name: str
    currency: str


class WalletRepository(Protocol):
    async def get(self, organization_id: int, wallet_id: int, lock: bool = False) -> Wallet | None:
        """``lock``: the row is held until the unit of work ends (PostgreSQL FOR UPDATE; SQLite
        has one writer at a time), so that two debits at once are applied one after the
        other."""
        ...

    async def get_by_id(self, wallet_id: int, lock: bool = False) -> Wallet | None: ...
    async def add(self, wallet: Wallet) -> Wallet: ...
    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[Wallet]: ...
    async def entry_by_key(self, wallet_id: int, key: str) -> LedgerEntry | None: ...
    async def add_entry(self, entry: LedgerEntry, wallet: Wallet) -> LedgerEntry:
        """Append ``entry`` and store the wallet's new balance with it."""
        ...

    async def entries(
        self, organization_id: int, page: PageRequest, where: EntryFilter
    ) -> Page[EntryRow]:
        """Newest first."""
        ...

    async def all_entries(self, organization_id: int, where: EntryFilter) -> list[EntryRow]:
        """For exports, oldest first."""
        ...

    async def top_up_rows(
        self, organization_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        """(recorded at, currency, amount as stored) of the top-ups in [since, until)."""
        ...
