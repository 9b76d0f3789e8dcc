"""Wallets and their ledger. The ledger is only ever inserted into."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.wallets import EntryKind, LedgerEntry, Wallet
from kilowatt.persistence.models.wallets import wallet_entries, wallets
from kilowatt.persistence.repositories.base import Repository, contains, flush, page_of
from kilowatt.services.ports import EntryFilter, EntryRow


class SqlWalletRepository(Repository):
    async def get(self, organization_id: int, wallet_id: int, lock: bool = False) -> Wallet | None:
        query = select(Wallet).where(
            wallets.c.id == wallet_id, wallets.c.organization_id == organization_id
        )
        return await self._one(query, lock)

    async def get_by_id(self, wallet_id: int, lock: bool = False) -> Wallet | None:
        return await self._one(select(Wallet).where(wallets.c.id == wallet_id), lock)

    async def _one(self, query: Select[Any], lock: bool) -> Wallet | None:
        if lock:
            # The balance is read fresh under the row lock, not from the identity map.
            query = query.with_for_update().execution_options(populate_existing=True)
        found: Wallet | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def add(self, wallet: Wallet) -> Wallet:
        return await self._add(wallet)

    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[Wallet]:
        query = select(Wallet).where(wallets.c.organization_id == organization_id)
        if text:
            query = query.where(contains(wallets.c.name, text))
        return await page_of(self.session, query, wallets.c.id, page)

    async def entry_by_key(self, wallet_id: int, key: str) -> LedgerEntry | None:
        query = select(LedgerEntry).where(
            wallet_entries.c.wallet_id == wallet_id, wallet_entries.c.idempotency_key == key
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add_entry(self, entry: LedgerEntry, wallet: Wallet) -> LedgerEntry:
        self.session.add(entry)
        await flush(self.session)
        await self.session.execute(
            update(wallets).where(wallets.c.id == wallet.id).values(balance=wallet.balance)
        )
        return entry

    def _entries(self, organization_id: int, where: EntryFilter) -> Select[Any]:
        e = wallet_entries.c
        query = (
            select(LedgerEntry, wallets.c.name, wallets.c.currency)
            .join(wallets, wallets.c.id == e.wallet_id)
            .where(wallets.c.organization_id == organization_id)
        )
        if where.wallet_id is not None:
            query = query.where(e.wallet_id == where.wallet_id)
        if where.kinds:
            query = query.where(e.kind.in_([k.value for k in where.kinds]))
        if where.since is not None:
            query = query.where(e.created_at >= where.since)
        if where.until is not None:
            query = query.where(e.created_at < where.until)
        return query

    async def entries(
        self, organization_id: int, page: PageRequest, where: EntryFilter
    ) -> Page[EntryRow]:
        query = self._entries(organization_id, where)
        if page.cursor is not None:
            query = query.where(wallet_entries.c.id < page.cursor)
        query = query.order_by(wallet_entries.c.id.desc()).limit(page.limit + 1)
        rows = [EntryRow(*row) for row in (await self.session.execute(query)).all()]
        items = rows[: page.limit]
        more = len(rows) > page.limit
        return Page(items=items, next_cursor=items[-1].entry.id if more and items else None)

    async def all_entries(self, organization_id: int, where: EntryFilter) -> list[EntryRow]:
        query = self._entries(organization_id, where).order_by(wallet_entries.c.id)
        return [EntryRow(*row) for row in (await self.session.execute(query)).all()]

    async def top_up_rows(
        self, organization_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        e = wallet_entries.c
        query = (
            select(e.created_at, wallets.c.currency, e.amount)
            .join(wallets, wallets.c.id == e.wallet_id)
            .where(
                wallets.c.organization_id == organization_id,
                e.kind == EntryKind.TOP_UP.value,
                e.created_at >= since,
                e.created_at < until,
            )
        )
        return [(at, cur, str(amount)) for at, cur, amount in await self.session.execute(query)]
