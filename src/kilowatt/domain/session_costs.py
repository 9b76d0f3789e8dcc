"""Live cost: a running session's cost so far, kept in memory on the node holding its station.

``RunningCost`` wraps the session's ``SessionPricer`` (or none, when no tariff applies) with
what the live side needs: the energy and time so far by the station's clock, the cost last
published (so an unchanged cost is not published again) and, for a prepaid token, the
wallet's ``WalletCredit``: its balance and what every session paying from it has run up so far.
Several sessions on one wallet share one credit, so that together they cannot spend more than
the balance: when their summed cost reaches it, each of them is stopped, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from kilowatt.domain.pricing import PricedSession, Reading, SessionPricer


@dataclass(frozen=True, slots=True)
class CostSoFar:
    """What a running session has cost so far (None amounts: no tariff applies to it)."""

    transaction_id: int
    currency: str | None
    total_excl_vat: Decimal | None
    total_incl_vat: Decimal | None
    energy_wh: int
    started: datetime
    at: datetime
    """The instant of the last reading (the station's clock)."""
    tariff_id: int | None = None
    balance: Decimal | None = None
    """The prepaid wallet's balance (as its ledger last said), if the token is prepaid."""

    @property
    def elapsed_s(self) -> int:
        return max(int((self.at - self.started).total_seconds()), 0)


@dataclass(eq=False)
class WalletCredit:
    """A prepaid wallet as the live side sees it: the balance (from the ledger, kept current by
    its ``wallet.changed`` events) and the cost run up by its sessions not yet charged to it."""

    wallet_id: int
    balance: Decimal
    known: bool = True
    """False while only other nodes' sessions on it are known (their costs, not the balance:
    nothing is stopped until a session here reads the balance)."""
    running: dict[int, Decimal] = field(default_factory=dict)
    """Running sessions paying from it: transaction → cost so far."""
    pending: dict[int, Decimal] = field(default_factory=dict)
    """Ended sessions whose charge has not reached the ledger yet: transaction → last cost."""

    def spent(self) -> Decimal:
        return sum(self.running.values(), Decimal(0)) + sum(self.pending.values(), Decimal(0))

    def remaining(self) -> Decimal:
        """The balance less what its sessions have run up and not yet been charged."""
        return self.balance - self.spent()

    def used_up(self) -> bool:
        """The sessions together have spent the whole balance."""
        return self.known and self.spent() >= self.balance

    def ended(self, transaction_id: int) -> None:
        """A session ended: its cost counts until the ledger has charged it."""
        if transaction_id in self.running:
            self.pending[transaction_id] = self.running.pop(transaction_id)

    def charged(self, transaction_id: int | None, balance: Decimal) -> None:
        """The ledger moved (a session's charge when ``transaction_id``, else a top-up, a
        refund, an adjustment): the balance is now ``balance``."""
        self.balance, self.known = balance, True
        if transaction_id is not None:
            self.pending.pop(transaction_id, None)
            self.running.pop(transaction_id, None)

    @property
    def idle(self) -> bool:
        return not self.running and not self.pending


@dataclass(eq=False)
class RunningCost:
    transaction_id: int
    organization_id: int
    station: str
    started: datetime
    pricer: SessionPricer | None
    evse_id: int = 0
    tariff_id: int | None = None
    balance: Decimal | None = None
    """A prepaid wallet's balance (in the tariff's currency), None: not prepaid. Without a
    ``credit`` the session gets one of its own with this balance."""
    credit: WalletCredit | None = None
    """The prepaid wallet, shared with the other sessions paying from it."""
    station_transaction_id: str | None = None
    """The transaction's id at a 2.0.1 station (for CostUpdated)."""
    told_at: datetime | None = None
    """When the station was last sent a CostUpdated (by the server's clock)."""
    energy_wh: int = 0
    at: datetime | None = None
    published: Decimal | None = None
    stop_requested: bool = False
    shows_cost: bool = False
    """A 2.0.1 station with running cost enabled (TariffCostCtrlr.Enabled[Cost]): told the
    total in its TransactionEvent answers."""
    tariff_text: dict[str, str] = field(default_factory=dict)
    """For a station that shows tariffs (TariffCostCtrlr.Enabled[Tariff]): the tariff's text
    by language, told once."""
    _priced: PricedSession | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.credit is None and self.balance is not None:
            self.credit = WalletCredit(0, self.balance)

    def add(self, reading: Reading) -> None:
        """One reading (in time order; an older one only raises the energy)."""
        if self.pricer is not None:
            self.pricer.add(reading)
            self._priced = None
        self.energy_wh = max(self.energy_wh, reading.energy_wh)
        if self.at is None or reading.at > self.at:
            self.at = reading.at

    @property
    def priced(self) -> PricedSession | None:
        if self.pricer is None:
            return None
        if self._priced is None:
            self._priced = self.pricer.price()
        return self._priced

    def changed(self) -> bool:
        """Whether the cost differs from the one last published (and note it as published)."""
        priced = self.priced
        if priced is None or priced.total_incl_vat == self.published:
            return False
        self.published = priced.total_incl_vat
        return True

    def credit_used_up(self) -> bool:
        """A prepaid session whose cost, with those of the other sessions on its wallet, has
        reached the balance (its own share is noted in the credit first). The caller stops the
        wallet's sessions (``stop_once``)."""
        priced = self.priced
        if self.credit is None or priced is None:
            return False
        self.credit.running[self.transaction_id] = priced.total_incl_vat
        return self.credit.used_up()

    def stop_once(self) -> bool:
        """True the first time only: the caller asks the station to stop the session."""
        if self.stop_requested:
            return False
        self.stop_requested = True
        return True

    def cost_update_due(self, now: datetime, every_s: float) -> Decimal | None:
        """The total to send a 2.0.1 station that shows running cost in a CostUpdated, if
        ``every_s`` seconds have passed since the last one (and note it as sent); never a
        total of zero."""
        total = self.total_for_station()
        if not total or self.station_transaction_id is None:
            return None  # nothing yet (or free): nothing worth a message
        if self.told_at is not None and (now - self.told_at).total_seconds() < every_s:
            return None
        self.told_at = now
        return total

    def total_for_station(self) -> Decimal | None:
        """The total so far (incl. VAT) for a station that shows running cost, else None."""
        priced = self.priced
        if not self.shows_cost or priced is None:
            return None
        return priced.total_incl_vat

    def text_for_station(self) -> tuple[str, str] | None:
        """(language, text) of the tariff, the first time it is asked; None after."""
        if not self.tariff_text:
            return None
        language = "en" if "en" in self.tariff_text else sorted(self.tariff_text)[0]
        text = self.tariff_text[language]
        self.tariff_text = {}
        return language, text

    def so_far(self) -> CostSoFar:
        priced = self.priced
        return CostSoFar(
            transaction_id=self.transaction_id,
            currency=priced.currency if priced else None,
            total_excl_vat=priced.total_excl_vat if priced else None,
            total_incl_vat=priced.total_incl_vat if priced else None,
            energy_wh=self.energy_wh,
            started=self.started,
            at=self.at or self.started,
            tariff_id=self.tariff_id,
            balance=self.credit.balance if self.credit is not None else None,
        )


def enabled(variables: list[tuple[str, str, str, str | None]], instance: str) -> bool:
    """Whether TariffCostCtrlr.Enabled[``instance``] (Tariff or Cost) is true among a 2.0.1
    station's reported variables (component, variable, instance, Actual value)."""
    return any(
        component == "TariffCostCtrlr"
        and variable == "Enabled"
        and found == instance
        and (value or "").strip().lower() == "true"
        for component, variable, found, value in variables
    )
