"""Live events of the money area: a running session's cost, a session billed, a wallet moved.

Part of the catalogue of domain/live.py; amounts travel as
decimal strings with their currency, never as floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kilowatt.domain.cdrs import Cdr
from kilowatt.domain.live_base import TRANSACTION, OrganizationLiveEvent, StationLiveEvent
from kilowatt.domain.money import money_text
from kilowatt.domain.wallets import EntryKind, LedgerEntry, Wallet

AMOUNT = 'a decimal string in the currency\'s minor unit, e.g. "4.20"'


@dataclass(frozen=True, slots=True)
class SessionCostUpdated(StationLiveEvent):
    """A running session's cost so far changed (priced as meter values arrive)."""

    topic = "session.cost"

    transaction_id: Annotated[int, TRANSACTION]
    evse_id: Annotated[int, "the EVSE"]
    currency: Annotated[str, "ISO 4217 code"]
    cost: Annotated[str, "the cost so far including VAT, " + AMOUNT]
    energy_wh: Annotated[int, "energy delivered so far in Wh"]
    wallet_id: Annotated[int | None, "the prepaid wallet it spends, null when none"] = None


@dataclass(frozen=True, slots=True)
class SessionBilled(StationLiveEvent):
    """A finished session was priced: its charge detail record was written (and, for a
    prepaid token, its wallet charged)."""

    topic = "session.billed"

    transaction_id: Annotated[int, TRANSACTION]
    cdr_id: Annotated[int, "the CDR (as in /api/v1/cdrs/{id})"]
    currency: Annotated[str, "ISO 4217 code"]
    total: Annotated[str, "the total including VAT, " + AMOUNT]
    wallet_id: Annotated[int | None, "the wallet charged, null when none"]

    @classmethod
    def of(cls, station: str, cdr: Cdr) -> SessionBilled:
        assert cdr.id is not None
        return cls(
            station,
            cdr.transaction_id,
            cdr.id,
            cdr.currency,
            money_text(cdr.total_incl_vat, cdr.currency),
            cdr.wallet_id,
        )


@dataclass(frozen=True, slots=True)
class WalletChanged(OrganizationLiveEvent):
    """An entry was added to a wallet's ledger."""

    topic = "wallet.changed"

    wallet_id: Annotated[int, "the wallet (as in /api/v1/wallets/{id})"]
    kind: Annotated[EntryKind, "top_up, charge, refund or adjustment"]
    amount: Annotated[str, "the entry, signed, " + AMOUNT]
    balance: Annotated[str, "the balance after it, " + AMOUNT]
    currency: Annotated[str, "ISO 4217 code"]
    transaction_id: Annotated[int | None, "the session a charge is for, null otherwise"] = None

    @classmethod
    def of(cls, wallet: Wallet, entry: LedgerEntry) -> WalletChanged:
        assert wallet.id is not None
        return cls(
            wallet.organization_id,
            wallet.id,
            entry.kind,
            money_text(entry.amount, wallet.currency),
            money_text(entry.balance_after, wallet.currency),
            wallet.currency,
            entry.transaction_id,
        )
