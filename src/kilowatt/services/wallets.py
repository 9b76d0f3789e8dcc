"""Prepaid wallets: create, top up, refund, adjust, the ledger, and which tokens pay from one.

Every entry is appended under the wallet's row lock, so two debits at once are applied one
after the other and none is lost. An entry's idempotency key makes a replayed request one
entry: the second call answers the entry the first made.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import Workbook

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.exports import Cell, csv_cells, xlsx_cells
from kilowatt.domain.live_money import WalletChanged
from kilowatt.domain.money import check_currency, round_money
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import Principal
from kilowatt.domain.wallets import EntryKind, LedgerEntry, OwnerKind, Wallet, entry
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import (
    Clock,
    EntryFilter,
    EntryRow,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Posted:
    entry: LedgerEntry
    wallet: Wallet
    replayed: bool
    """The key had been used: this is the entry the first request made."""


async def post(
    uow: UnitOfWork,
    wallet: Wallet,
    kind: EntryKind,
    amount: Decimal,
    key: str,
    actor: str,
    at: datetime,
    reason: str = "",
    transaction_id: int | None = None,
) -> LedgerEntry:
    """Append an entry to a wallet the caller holds locked, in ``uow``."""
    assert wallet.id is not None
    made = entry(wallet, kind, amount, key, at, actor, reason, transaction_id)
    return await uow.wallets.add_entry(made, wallet)


class WalletService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, currency: str = "EUR"
    ) -> None:
        super().__init__(uow, clock, bus)
        self.currency = check_currency(currency)

    async def create(
        self,
        principal: Principal,
        name: str,
        owner_kind: OwnerKind = OwnerKind.DRIVER,
        driver_id: int | None = None,
        min_balance: Decimal = Decimal(0),
        currency: str | None = None,
    ) -> Wallet:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInput("name", f"needs 1 to {MAX_NAME} characters")
        code = check_currency(currency or self.currency)
        if min_balance < 0 or round_money(min_balance, code) != min_balance:
            raise InvalidInput("min_balance", f"must be 0 or more, with the decimals of {code}")
        if owner_kind is OwnerKind.DRIVER and driver_id is None:
            raise InvalidInput("driver_id", "a driver's wallet names the driver")
        if owner_kind is OwnerKind.ACCOUNT and driver_id is not None:
            raise InvalidInput("driver_id", "an account's wallet belongs to no driver")
        now = self.clock.now()
        async with self.uow() as uow:
            if driver_id is not None and (
                await uow.drivers.get(principal.organization_id, driver_id) is None
            ):
                raise NotFound("driver", driver_id)
            wallet = await uow.wallets.add(
                Wallet(
                    principal.organization_id,
                    owner_kind,
                    name,
                    code,
                    now,
                    driver_id=driver_id,
                    min_balance=min_balance,
                    balance=Decimal(0),
                )
            )
            await record(uow, principal, "create", "wallet", wallet.id, {"name": name}, at=now)
            await uow.commit()
        return wallet

    async def get(self, principal: Principal, wallet_id: int) -> Wallet:
        async with self.uow() as uow:
            wallet = await uow.wallets.get(principal.organization_id, wallet_id)
        if wallet is None:
            raise NotFound("wallet", wallet_id)
        return wallet

    async def search(
        self, principal: Principal, page: PageRequest, text: str | None = None
    ) -> Page[Wallet]:
        async with self.uow() as uow:
            return await uow.wallets.search(principal.organization_id, page, text)

    async def set_minimum(self, principal: Principal, wallet_id: int, minimum: Decimal) -> Wallet:
        now = self.clock.now()
        async with self.uow() as uow:
            wallet = await uow.wallets.get(principal.organization_id, wallet_id, lock=True)
            if wallet is None:
                raise NotFound("wallet", wallet_id)
            if minimum < 0 or round_money(minimum, wallet.currency) != minimum:
                raise InvalidInput("min_balance", "must be 0 or more, in the wallet's currency")
            wallet.min_balance = minimum
            await record(
                uow, principal, "update", "wallet", wallet_id, {"min_balance": str(minimum)}, at=now
            )
            await uow.commit()
        return wallet

    async def top_up(
        self, principal: Principal, wallet_id: int, amount: Decimal, key: str, reason: str = ""
    ) -> Posted:
        return await self._post(principal, wallet_id, EntryKind.TOP_UP, amount, key, reason)

    async def refund(
        self, principal: Principal, wallet_id: int, amount: Decimal, key: str, reason: str = ""
    ) -> Posted:
        return await self._post(principal, wallet_id, EntryKind.REFUND, amount, key, reason)

    async def adjust(
        self, principal: Principal, wallet_id: int, amount: Decimal, key: str, reason: str
    ) -> Posted:
        return await self._post(principal, wallet_id, EntryKind.ADJUSTMENT, amount, key, reason)

    async def _post(
        self,
        principal: Principal,
        wallet_id: int,
        kind: EntryKind,
        amount: Decimal,
        key: str,
        reason: str,
    ) -> Posted:
        now = self.clock.now()
        key = key.strip()
        try:
            async with self.uow() as uow:
                wallet = await uow.wallets.get(principal.organization_id, wallet_id, lock=True)
                if wallet is None:
                    raise NotFound("wallet", wallet_id)
                earlier = await uow.wallets.entry_by_key(wallet_id, key) if key else None
                if earlier is not None:
                    return Posted(_same(earlier, kind, amount), wallet, replayed=True)
                made = await post(uow, wallet, kind, amount, key, principal.name, now, reason)
                await record(
                    uow,
                    principal,
                    kind.value,
                    "wallet",
                    wallet_id,
                    {"amount": str(made.amount), "key": key},
                    at=now,
                )
                await uow.commit()
        except Conflict:
            # The same key committed by a request running beside this one: answer its entry.
            async with self.uow() as uow:
                earlier = await uow.wallets.entry_by_key(wallet_id, key)
                wallet = await uow.wallets.get(principal.organization_id, wallet_id)
            if earlier is None or wallet is None:
                raise
            return Posted(_same(earlier, kind, amount), wallet, replayed=True)
        self.bus.publish(WalletChanged.of(wallet, made))
        return Posted(made, wallet, replayed=False)

    async def entries(
        self, principal: Principal, page: PageRequest, where: EntryFilter
    ) -> Page[EntryRow]:
        async with self.uow() as uow:
            return await uow.wallets.entries(principal.organization_id, page, where)

    async def all_entries(self, principal: Principal, where: EntryFilter) -> list[EntryRow]:
        async with self.uow() as uow:
            return await uow.wallets.all_entries(principal.organization_id, where)

    async def entries_csv(self, principal: Principal, where: EntryFilter) -> bytes:
        """The ledger as CSV (UTF-8 with a byte-order mark, for Excel), oldest first."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(ENTRY_HEADERS)
        for row in await self.all_entries(principal, where):
            writer.writerow(csv_cells(entry_cells(row)))
        return "\ufeff".encode() + buffer.getvalue().encode()

    async def entries_xlsx(self, principal: Principal, where: EntryFilter) -> bytes:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Wallet entries")
        sheet.append(list(ENTRY_HEADERS))
        for row in await self.all_entries(principal, where):
            sheet.append(xlsx_cells(entry_cells(row)))
        output = io.BytesIO()
        book.save(output)
        return output.getvalue()

    async def give_token(self, principal: Principal, token_id: int, wallet_id: int | None) -> None:
        """Make the token prepaid from ``wallet_id`` (None: no longer prepaid)."""
        now = self.clock.now()
        async with self.uow() as uow:
            token = await uow.tokens.get(principal.organization_id, token_id)
            if token is None:
                raise NotFound("token", token_id)
            if wallet_id is not None and (
                await uow.wallets.get(principal.organization_id, wallet_id) is None
            ):
                raise NotFound("wallet", wallet_id)
            token.wallet_id = wallet_id
            token.updated_at = now
            await record(
                uow, principal, "update", "id_token", token_id, {"wallet_id": wallet_id}, at=now
            )
            await uow.commit()


def _same(earlier: LedgerEntry, kind: EntryKind, amount: Decimal) -> LedgerEntry:
    asked = -amount if kind in (EntryKind.REFUND,) else amount
    if earlier.kind is not kind or earlier.amount != asked:
        raise Conflict("this idempotency key was used for a different entry")
    return earlier


ENTRY_HEADERS = (
    "Entry",
    "Time (UTC)",
    "Wallet",
    "Kind",
    "Amount",
    "Unpaid",
    "Balance after",
    "Currency",
    "Session",
    "By",
    "Reason",
    "Key",
)


def entry_cells(row: EntryRow) -> list[Cell]:
    e = row.entry
    return [
        e.id,
        # "Time (UTC)" as a plain time: a spreadsheet holds no time zones.
        e.created_at.astimezone(UTC).replace(tzinfo=None),
        row.wallet_name,
        e.kind.value,
        round_money(e.amount, row.currency),
        round_money(e.unpaid, row.currency),
        round_money(e.balance_after, row.currency),
        row.currency,
        e.transaction_id,
        e.actor,
        e.reason,
        e.idempotency_key,
    ]
