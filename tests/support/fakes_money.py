"""In-memory fakes of the money area's ports (tariffs, wallets, CDRs), registered with the
unit of work of tests/support/fakes.py. They keep the same unique keys the database does
(a wallet entry's idempotency key, a CDR's bill key) and raise Conflict at once on a repeat."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kilowatt.domain.cdrs import Cdr, CdrKind, TariffAssignment
from kilowatt.domain.errors import Conflict
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tariffs import Tariff, TariffVersion
from kilowatt.domain.transactions import TransactionState
from kilowatt.domain.users import Scope
from kilowatt.domain.wallets import EntryKind, LedgerEntry, Wallet
from kilowatt.services.ports import BillingContext, EntryFilter, EntryRow
from tests.support import fakes


@dataclass
class MoneyStore:
    tariffs: list[Tariff] = field(default_factory=list)
    versions: dict[int, list[TariffVersion]] = field(default_factory=dict)
    assignments: list[TariffAssignment] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    cdrs: list[Cdr] = field(default_factory=list)
    contexts: dict[int, BillingContext] = field(default_factory=dict)
    """What a transaction's station, site and token say (set by the test)."""


def money(store: fakes.Store) -> MoneyStore:
    if store.money is None:
        store.money = MoneyStore()
    assert isinstance(store.money, MoneyStore)
    return store.money


class FakeTariffs(fakes._Repository):
    async def get(self, organization_id: int, tariff_id: int) -> Tariff | None:
        return next(
            (
                t
                for t in money(self.store).tariffs
                if t.id == tariff_id and t.organization_id == organization_id
            ),
            None,
        )

    async def by_name(self, organization_id: int, name: str) -> Tariff | None:
        return next(
            (
                t
                for t in money(self.store).tariffs
                if t.name == name and t.organization_id == organization_id
            ),
            None,
        )

    async def add(self, tariff: Tariff) -> Tariff:
        tariff.id = self.store.new_id()
        money(self.store).tariffs.append(tariff)
        return tariff

    async def all(self, organization_id: int, archived: bool = False) -> list[Tariff]:
        return [
            t
            for t in money(self.store).tariffs
            if t.organization_id == organization_id and (archived or not t.archived)
        ]

    async def versions(self, tariff_ids: Collection[int]) -> dict[int, list[TariffVersion]]:
        return {i: list(money(self.store).versions.get(i, [])) for i in tariff_ids}

    async def add_version(
        self, tariff_id: int, version: TariffVersion, created_by: str, at: datetime
    ) -> None:
        found = money(self.store).versions.setdefault(tariff_id, [])
        if any(v.version == version.version for v in found):
            raise Conflict("version exists")
        found.append(version)

    async def assignments(self, organization_id: int) -> list[TariffAssignment]:
        return [a for a in money(self.store).assignments if a.organization_id == organization_id]

    async def assignment(self, organization_id: int, assignment_id: int) -> TariffAssignment | None:
        return next(
            (a for a in await self.assignments(organization_id) if a.id == assignment_id), None
        )

    async def add_assignment(self, assignment: TariffAssignment) -> TariffAssignment:
        assignment.id = self.store.new_id()
        money(self.store).assignments.append(assignment)
        return assignment

    async def forget(self, organization_id: int, scopes: Collection[Scope], scope_id: int) -> int:
        kept = [
            a
            for a in money(self.store).assignments
            if not (
                a.organization_id == organization_id
                and a.scope in scopes
                and a.scope_id == scope_id
            )
        ]
        gone = len(money(self.store).assignments) - len(kept)
        money(self.store).assignments = kept
        return gone

    async def delete_assignment(self, assignment: TariffAssignment) -> None:
        money(self.store).assignments = [
            a for a in money(self.store).assignments if a.id != assignment.id
        ]


class FakeWallets(fakes._Repository):
    async def get(self, organization_id: int, wallet_id: int, lock: bool = False) -> Wallet | None:
        wallet = await self.get_by_id(wallet_id)
        return wallet if wallet is not None and wallet.organization_id == organization_id else None

    async def get_by_id(self, wallet_id: int, lock: bool = False) -> Wallet | None:
        return next((w for w in money(self.store).wallets if w.id == wallet_id), None)

    async def add(self, wallet: Wallet) -> Wallet:
        wallet.id = self.store.new_id()
        money(self.store).wallets.append(wallet)
        return wallet

    async def search(
        self, organization_id: int, page: PageRequest, text: str | None = None
    ) -> Page[Wallet]:
        found = [w for w in money(self.store).wallets if w.organization_id == organization_id]
        return Page(items=found[: page.limit], next_cursor=None)

    async def entry_by_key(self, wallet_id: int, key: str) -> LedgerEntry | None:
        return next(
            (
                e
                for e in money(self.store).entries
                if e.wallet_id == wallet_id and e.idempotency_key == key
            ),
            None,
        )

    async def add_entry(self, entry: LedgerEntry, wallet: Wallet) -> LedgerEntry:
        if await self.entry_by_key(entry.wallet_id, entry.idempotency_key) is not None:
            raise Conflict("idempotency key used")
        entry.id = self.store.new_id()
        money(self.store).entries.append(entry)
        return entry

    def _rows(self, organization_id: int, where: EntryFilter) -> list[EntryRow]:
        wallets = {w.id: w for w in money(self.store).wallets}
        rows = []
        for e in money(self.store).entries:
            w = wallets[e.wallet_id]
            if w.organization_id != organization_id:
                continue
            if where.wallet_id is not None and e.wallet_id != where.wallet_id:
                continue
            if where.kinds and e.kind not in where.kinds:
                continue
            rows.append(EntryRow(e, w.name, w.currency))
        return rows

    async def entries(
        self, organization_id: int, page: PageRequest, where: EntryFilter
    ) -> Page[EntryRow]:
        rows = list(reversed(self._rows(organization_id, where)))
        return Page(items=rows[: page.limit], next_cursor=None)

    async def all_entries(self, organization_id: int, where: EntryFilter) -> list[EntryRow]:
        return self._rows(organization_id, where)

    async def top_up_rows(
        self, organization_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        return [
            (row.entry.created_at, row.currency, str(row.entry.amount))
            for row in self._rows(organization_id, EntryFilter(kinds=(EntryKind.TOP_UP,)))
            if since <= row.entry.created_at < until
        ]


class FakeCdrs(fakes._Repository):
    async def add(self, cdr: Cdr) -> Cdr:
        if await self.by_key(cdr.bill_key) is not None:
            raise Conflict(f"billed already: {cdr.bill_key}")
        cdr.id = self.store.new_id()
        money(self.store).cdrs.append(cdr)
        return cdr

    async def get(self, organization_id: int, cdr_id: int) -> Cdr | None:
        return next(
            (
                c
                for c in money(self.store).cdrs
                if c.id == cdr_id and c.organization_id == organization_id
            ),
            None,
        )

    async def by_key(self, bill_key: str) -> Cdr | None:
        return next((c for c in money(self.store).cdrs if c.bill_key == bill_key), None)

    async def for_transactions(self, transaction_ids: list[int]) -> list[Cdr]:
        return [c for c in money(self.store).cdrs if c.transaction_id in transaction_ids]

    async def search(self, organization_id: int, page: PageRequest, *_: Any) -> Page[Cdr]:
        found = [c for c in money(self.store).cdrs if c.organization_id == organization_id]
        return Page(items=list(reversed(found))[: page.limit], next_cursor=None)

    async def context(self, transaction_id: int) -> BillingContext | None:
        return money(self.store).contexts.get(transaction_id)

    async def unbilled(self, ended_before: datetime, limit: int) -> list[int]:
        billed = {c.transaction_id for c in money(self.store).cdrs}
        return [
            t.id
            for t in self.store.transactions
            if t.id is not None
            and t.state is TransactionState.COMPLETED
            and t.stop_time is not None
            and t.stop_time < ended_before
            and t.id not in billed
        ][:limit]

    async def revenue_rows(
        self, scope: Scope, since: datetime, until: datetime
    ) -> list[tuple[datetime, str, str]]:
        rows = []
        for c in money(self.store).cdrs:
            at = c.created_at if c.kind is CdrKind.CREDIT else c.stop
            mine = c.organization_id == scope.organization_id and scope.allows_site(c.site_id)
            if mine and since <= at < until:
                rows.append((at, c.currency, str(c.total_incl_vat)))
        return rows


fakes._REPOSITORIES.update({"tariffs": FakeTariffs, "wallets": FakeWallets, "cdrs": FakeCdrs})
