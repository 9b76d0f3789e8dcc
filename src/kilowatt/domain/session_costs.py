"""Live cost: a running session's cost so far, kept in memory on the node holding its station.

``RunningCost`` wraps the session's ``SessionPricer`` (or none, when no tariff applies) with
what the live side needs: the energy and time so far by the station's clock, the cost last
published (so an unchanged cost is not published again) and, for a prepaid token, the wallet
balance the cost may not pass (the session is stopped once it reaches it).
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
    """The prepaid wallet's balance when the session began, if the token is prepaid."""

    @property
    def elapsed_s(self) -> int:
        return max(int((self.at - self.started).total_seconds()), 0)


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
    """A prepaid wallet's balance (in the tariff's currency), None: not prepaid."""
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
        """A prepaid session whose cost has reached its balance, not yet asked to stop (true
        once: the caller stops it)."""
        priced = self.priced
        if self.balance is None or priced is None or self.stop_requested:
            return False
        if priced.total_incl_vat < self.balance:
            return False
        self.stop_requested = True
        return True

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
            balance=self.balance,
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
