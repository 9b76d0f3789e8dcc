"""Prepaid wallets: an append-only ledger; the balance is what the ledger adds up to.

A wallet belongs to a driver or to an organization account (a fleet, an employer) and holds
the organization's currency. Every entry (top-up, charge, refund, adjustment) carries an
idempotency key: the same key twice is one entry. A charge never takes the balance below
zero: what the balance cannot cover is recorded as unpaid on the charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from kilowatt.domain.errors import Conflict, InvalidInput
from kilowatt.domain.money import check_currency, round_money


class EntryKind(StrEnum):
    TOP_UP = "top_up"
    CHARGE = "charge"
    """A session's cost taken from the wallet (negative)."""
    REFUND = "refund"
    """Money given back to the driver out of the wallet (negative): a top-up returned."""
    ADJUSTMENT = "adjustment"
    """An operator's correction, either sign, with a reason."""


class OwnerKind(StrEnum):
    DRIVER = "driver"
    ACCOUNT = "account"
    """An organization account: a fleet, an employer, a tenant."""


@dataclass(eq=False)
class Wallet:
    organization_id: int
    owner_kind: OwnerKind
    name: str
    currency: str
    created_at: datetime
    driver_id: int | None = None
    min_balance: Decimal = Decimal(0)
    """Below this, a prepaid token is refused at Authorize/Start (2.0.1 NoCredit)."""
    balance: Decimal = Decimal(0)
    """Derived from the ledger and kept beside it in the same transaction."""
    id: int | None = None


@dataclass(eq=False)
class LedgerEntry:
    wallet_id: int
    kind: EntryKind
    amount: Decimal
    """Signed: positive adds to the balance."""
    balance_after: Decimal
    idempotency_key: str
    created_at: datetime
    actor: str
    reason: str = ""
    transaction_id: int | None = None
    unpaid: Decimal = Decimal(0)
    """What a charge could not take from the balance (owed, not debited)."""
    id: int | None = None


MAX_KEY = 200


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise InvalidInput("idempotency_key", f"needs 1 to {MAX_KEY} characters")
    return key


def check_amount(amount: Decimal, currency: str, field: str = "amount") -> Decimal:
    check_currency(currency)
    if amount <= 0:
        raise InvalidInput(field, "must be above zero")
    rounded = round_money(amount, currency)
    if rounded != amount:
        raise InvalidInput(field, f"has more decimals than {currency} allows")
    return amount


def entry(
    wallet: Wallet,
    kind: EntryKind,
    amount: Decimal,
    key: str,
    at: datetime,
    actor: str,
    reason: str = "",
    transaction_id: int | None = None,
) -> LedgerEntry:
    """The next entry of ``wallet`` (the wallet's balance is moved by it).

    ``amount`` is what the operator or the session asks: positive for a top-up, the cost
    for a charge, the sum for a refund; the sign of an adjustment is its own."""
    assert wallet.id is not None
    key = check_key(key)
    unpaid = Decimal(0)
    if kind is EntryKind.TOP_UP:
        signed = check_amount(amount, wallet.currency)
    elif kind is EntryKind.REFUND:
        signed = -check_amount(amount, wallet.currency)
        if wallet.balance + signed < 0:
            raise Conflict(f"a refund of {amount} is more than the balance {wallet.balance}")
    elif kind is EntryKind.CHARGE:
        cost = round_money(amount, wallet.currency)
        if cost < 0:
            raise InvalidInput("amount", "a charge is not negative")
        taken = min(cost, max(wallet.balance, Decimal(0)))
        unpaid = cost - taken
        signed = -taken
    else:
        if amount == 0 or round_money(amount, wallet.currency) != amount:
            raise InvalidInput("amount", f"must be non-zero with the decimals of {wallet.currency}")
        if not reason.strip():
            raise InvalidInput("reason", "an adjustment says why")
        signed = amount
        if wallet.balance + signed < 0:
            raise Conflict(f"the adjustment would take the balance below zero ({wallet.balance})")
    wallet.balance += signed
    return LedgerEntry(
        wallet_id=wallet.id,
        kind=kind,
        amount=signed,
        balance_after=wallet.balance,
        idempotency_key=key,
        created_at=at,
        actor=actor,
        reason=reason,
        transaction_id=transaction_id,
        unpaid=unpaid,
    )


def balance_of(entries: list[LedgerEntry]) -> Decimal:
    return sum((e.amount for e in entries), Decimal(0))


def has_credit(wallet: Wallet, spent: Decimal = Decimal(0)) -> bool:
    """Whether a prepaid token of this wallet may start a session, while the sessions already
    running on it have run up ``spent`` (not yet charged): what remains of the balance must be
    above zero and at least the wallet's minimum."""
    remaining = wallet.balance - spent
    return remaining > 0 and remaining >= wallet.min_balance
