"""The cells of an import workbook (domain/imports.py): a cell's value read as text, a number,
a power, a count or a choice, or refused with a message that says why; and the spreadsheet's
column names (A, B, ..., AA)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.sites import check_timezone
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import (
    ConnectorStandard,
    CurrentType,
    RegistrationStatus,
    check_identity,
)

T = TypeVar("T")


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column ``index``: A, B, ..., Z, AA, AB..."""
    if index < 0:
        raise ValueError("column indexes start at 0")
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of the column named ``letters`` (the inverse of column_letter)."""
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not a column name: {letters!r}")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


class BadCell(Exception):
    """A cell's value is wrong; the message says how."""


def text(value: object) -> str:
    """A cell as text: empty for None, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decimal(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadCell("must be a number")
    if isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise BadCell("must be a number") from None
    else:
        raise BadCell("must be a number")
    if not number.is_finite():
        raise BadCell("must be a number")
    return number


def real(value: object) -> float | None:
    number = decimal(value)
    return None if number is None else float(number)


def power(value: object) -> int | None:
    """Kilowatts in the sheet, whole watts in the domain."""
    number = decimal(value)
    if number is None:
        return None
    if number <= 0:
        raise BadCell("must be positive")
    watts = int((number * 1000).to_integral_value())
    if watts <= 0:
        raise BadCell("must be positive")
    if watts > 10**12:
        raise BadCell("is too large")
    return watts


def count(maximum: int) -> Callable[[object], int]:
    """A whole number from 0 to ``maximum``; empty: 0."""

    def parse(value: object) -> int:
        number = decimal(value)
        if number is None:
            return 0
        if number != number.to_integral_value():
            raise BadCell("must be a whole number")
        if not 0 <= number <= maximum:
            raise BadCell(f"must be between 0 and {maximum}")
        return int(number)

    return parse


def limited(length: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        result = text(value)
        if len(result) > length:
            raise BadCell(f"at most {length} characters")
        return result

    return parse


def choice(options: Mapping[str, T], default: T) -> Callable[[object], T]:
    def parse(value: object) -> T:
        key = text(value).lower()
        if not key:
            return default
        if key not in options:
            raise BadCell("must be one of " + ", ".join(str(o) for o in options.values()))
        return options[key]

    return parse


ACCESS = {mode.value.lower(): mode for mode in AccessMode}
REGISTRATION = {status.value.lower(): status for status in RegistrationStatus}
CURRENT = {kind.value.lower(): kind for kind in CurrentType}
PROFILES = {str(int(profile)): profile for profile in SecurityProfile}
STANDARDS = {
    standard.value.lower(): standard.value
    for standard in ConnectorStandard
    if standard is not ConnectorStandard.UNKNOWN
}


def country(value: object) -> str:
    code = text(value).upper()
    if code and (len(code) != 2 or not code.isascii() or not code.isalpha()):
        raise BadCell("two letters, such as FI")
    return code


def timezone(value: object) -> str:
    name = text(value) or "UTC"
    try:
        return check_timezone(name)
    except InvalidInput:
        raise BadCell(f"unknown time zone {name!r}") from None


def identity(value: object) -> str:
    identity = text(value)
    try:
        return check_identity(identity)
    except InvalidInput as error:
        raise BadCell(error.message) from None
