"""Money: an amount of a currency, rounded the way the currency is.

Amounts are ``Decimal``; a float never becomes money (it cannot hold 0.10 exactly). Each
currency has its ISO 4217 minor unit (EUR 2 decimals, JPY none, BHD three); a priced line is
rounded once, half up, to that unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kilowatt.domain.errors import InvalidInput

# ISO 4217 minor units of the currencies an operator may bill in (2 unless listed here).
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3,
    "CLP": 0,
    "CNY": 2,
    "HUF": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "VND": 0,
}
CURRENCIES: frozenset[str] = frozenset(
    {
        "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD",
        "HUF", "ILS", "INR", "ISK", "JPY", "KRW", "MXN", "NOK", "NZD", "PLN", "RON", "RSD",
        "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD", "ZAR", "BHD", "CLP", "JOD",
        "KWD", "OMR", "TND", "VND",
    }
)  # fmt: skip


def check_currency(code: str, field: str = "currency") -> str:
    """An ISO 4217 code Kilowatt knows how to round, or InvalidInput naming ``field``."""
    if code not in CURRENCIES:
        raise InvalidInput(field, f"unknown currency {code!r} (an ISO 4217 code, e.g. EUR)")
    return code


def minor_unit(currency: str) -> int:
    return _MINOR_UNITS.get(check_currency(currency), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (applied once per line)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def parse_decimal(value: object, field: str) -> Decimal:
    """A decimal from a string or an int; a float or anything else is refused by name."""
    if isinstance(value, (bool, float)):
        raise InvalidInput(field, 'must be a decimal written as a string, e.g. "0.35"')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise InvalidInput(field, f"not a decimal number: {value!r}") from exc
    else:
        raise InvalidInput(field, "must be a decimal number")
    if not result.is_finite():
        raise InvalidInput(field, "must be a finite number")
    return result


def money_text(amount: Decimal, currency: str) -> str:
    """An amount as an API gives it: a string with exactly the currency's decimals."""
    return str(round_money(amount, currency))


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or an exponent: "25.5", "10"."""
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(round_money(parse_decimal(amount, "amount"), currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def text(self) -> str:
        """The amount with exactly the currency's decimals: what an API gives as a string."""
        return str(round_money(self.amount, self.currency))

    def __str__(self) -> str:
        return f"{self.text()} {self.currency}"
