"""Wallets and their ledger: amounts are decimal strings with the wallet's currency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from kilowatt.api.schemas.common import Schema
from kilowatt.api.schemas.tariffs import DecimalText
from kilowatt.domain.money import money_text
from kilowatt.domain.wallets import EntryKind, OwnerKind, Wallet
from kilowatt.services.ports import EntryRow

PositiveAmount = Annotated[
    str, Field(pattern=r"^\d{1,12}(\.\d{1,6})?$", examples=["20.00"], max_length=20)
]


class WalletIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    owner_kind: OwnerKind = OwnerKind.DRIVER
    driver_id: Annotated[int, Field(ge=1)] | None = None
    min_balance: PositiveAmount = "0"
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None


class WalletPatch(Schema):
    min_balance: PositiveAmount


class WalletOut(Schema):
    id: int
    name: str
    owner_kind: OwnerKind
    driver_id: int | None
    currency: str
    balance: str
    min_balance: str
    created_at: datetime

    @classmethod
    def of(cls, wallet: Wallet) -> WalletOut:
        assert wallet.id is not None
        return cls(
            id=wallet.id,
            name=wallet.name,
            owner_kind=wallet.owner_kind,
            driver_id=wallet.driver_id,
            currency=wallet.currency,
            balance=money_text(wallet.balance, wallet.currency),
            min_balance=money_text(wallet.min_balance, wallet.currency),
            created_at=wallet.created_at,
        )


class EntryIn(Schema):
    amount: PositiveAmount
    reason: Annotated[str, Field(max_length=500)] = ""


class AdjustmentIn(Schema):
    amount: DecimalText = Field(description="Signed: positive adds to the balance.")
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class EntryOut(Schema):
    id: int
    wallet_id: int
    wallet_name: str
    currency: str
    kind: EntryKind
    amount: str
    balance_after: str
    unpaid: str
    idempotency_key: str
    actor: str
    reason: str
    transaction_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: EntryRow) -> EntryOut:
        e = row.entry
        assert e.id is not None
        return cls(
            id=e.id,
            wallet_id=e.wallet_id,
            wallet_name=row.wallet_name,
            currency=row.currency,
            kind=e.kind,
            amount=money_text(e.amount, row.currency),
            balance_after=money_text(e.balance_after, row.currency),
            unpaid=money_text(e.unpaid, row.currency),
            idempotency_key=e.idempotency_key,
            actor=e.actor,
            reason=e.reason,
            transaction_id=e.transaction_id,
            created_at=e.created_at,
        )


class PostedOut(Schema):
    entry: EntryOut
    wallet: WalletOut
    replayed: bool = Field(description="The key had been used: the first request's entry.")


class TokenWalletIn(Schema):
    wallet_id: Annotated[int, Field(ge=1)] | None = Field(
        description="The wallet the token's sessions are paid from; null: not prepaid."
    )
