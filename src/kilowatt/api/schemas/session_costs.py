"""A running session's cost so far."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kilowatt.api.schemas.common import Schema
from kilowatt.domain.money import money_text
from kilowatt.domain.session_costs import CostSoFar


class CostOut(Schema):
    transaction_id: int
    running: bool
    """False once the session has ended: its CDR (GET /transactions/{id}/cdrs) says."""
    currency: str | None
    total_excl_vat: str | None
    total_incl_vat: str | None
    energy_wh: int | None
    elapsed_s: int | None
    at: datetime | None
    """The instant of the last reading priced (the station's clock)."""
    tariff_id: int | None
    balance: str | None
    """A prepaid token's wallet balance when the session began; it stops when the cost
    reaches it."""

    @classmethod
    def of(cls, transaction_id: int, cost: CostSoFar | None) -> CostOut:
        if cost is None:
            return cls(
                transaction_id=transaction_id,
                running=False,
                currency=None,
                total_excl_vat=None,
                total_incl_vat=None,
                energy_wh=None,
                elapsed_s=None,
                at=None,
                tariff_id=None,
                balance=None,
            )
        currency = cost.currency

        def text(amount: Decimal | None) -> str | None:
            if currency is None or amount is None:
                return None
            return money_text(amount, currency)

        return cls(
            transaction_id=transaction_id,
            running=True,
            currency=currency,
            total_excl_vat=text(cost.total_excl_vat),
            total_incl_vat=text(cost.total_incl_vat),
            energy_wh=cost.energy_wh,
            elapsed_s=cost.elapsed_s,
            at=cost.at,
            tariff_id=cost.tariff_id,
            balance=text(cost.balance),
        )
