"""The bulk import and export of id tokens (RFID cards) as a table: one card a row, columns
named by a header row (value, type, status, parent_id_tag, driver_email, label, expires_at).
The rows are checked here, each problem named by its row and column; the service writes them
all, or nothing (services/token_imports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from kilowatt.domain.errors import DomainError, InvalidInput
from kilowatt.domain.tokens import IdTokenType, TokenStatus, check_parent_id_tag

COLUMNS = ("value", "type", "status", "parent_id_tag", "driver_email", "label", "expires_at")
"""The header row, in this order on export; on import only ``value`` is required."""
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CardProblem:
    row: int | None
    """The row's number in the file (the header is row 1); None: the whole file."""
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class CardImportRefused(DomainError):
    """The file has problems: nothing of it was written."""

    def __init__(self, problems: Sequence[CardProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


@dataclass(frozen=True, slots=True)
class Card:
    """One row, checked."""

    row: int
    value: str
    type: IdTokenType
    status: TokenStatus
    parent_id_tag: str | None
    driver_email: str | None
    label: str
    expires_at: datetime | None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _choice(enum: type[IdTokenType] | type[TokenStatus], text: str) -> object | None:
    for member in enum:
        if text.casefold() in (member.value.casefold(), member.name.casefold()):
            return member
    return None


def _expiry(text: str) -> datetime:
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime.combine(day, time.max, UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_cards(rows: Sequence[Sequence[object]]) -> list[Card]:
    """The cards of a table whose first row is the header; CardImportRefused with every
    problem found (an unknown or missing column, a bad value, a card twice)."""
    if not rows:
        raise CardImportRefused([CardProblem(None, None, "the file is empty")])
    header = [_text(h).casefold().rstrip("*").strip() for h in rows[0]]
    problems: list[CardProblem] = []
    for name in header:
        if name and name not in COLUMNS:
            problems.append(CardProblem(1, name, "unknown column"))
    if "value" not in header:
        problems.append(CardProblem(1, "value", "the column value is missing"))
    if len(rows) - 1 > MAX_ROWS:
        problems.append(CardProblem(None, None, f"more than {MAX_ROWS} rows"))
    if problems:
        raise CardImportRefused(problems)
    cards: list[Card] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        cells = {
            name: _text(raw[i]) if i < len(raw) else "" for i, name in enumerate(header) if name
        }
        if not any(cells.values()):
            continue
        card = _card(number, cells, problems)
        if card is None:
            continue
        key = (card.value, card.type.value)
        if key in seen:
            problems.append(CardProblem(number, "value", f"the same card as row {seen[key]}"))
            continue
        seen[key] = number
        cards.append(card)
    if problems:
        raise CardImportRefused(problems)
    if not cards:
        raise CardImportRefused([CardProblem(None, None, "the file has no cards")])
    return cards


def _card(number: int, cells: dict[str, str], problems: list[CardProblem]) -> Card | None:
    found = len(problems)
    value = cells.get("value", "")
    if not value or len(value) > 255:
        problems.append(CardProblem(number, "value", "1 to 255 characters"))
    kind = _choice(IdTokenType, cells.get("type") or IdTokenType.ISO14443.value)
    if kind is None:
        problems.append(
            CardProblem(number, "type", "one of " + ", ".join(t.value for t in IdTokenType))
        )
    status = _choice(TokenStatus, cells.get("status") or TokenStatus.ACCEPTED.value)
    if status is None:
        problems.append(
            CardProblem(number, "status", "one of " + ", ".join(s.value for s in TokenStatus))
        )
    parent = cells.get("parent_id_tag") or None
    if parent is not None:
        try:
            check_parent_id_tag(parent)
        except InvalidInput as error:
            problems.append(CardProblem(number, "parent_id_tag", error.message))
    email = cells.get("driver_email") or None
    if email is not None and ("@" not in email or len(email) > 254):
        problems.append(CardProblem(number, "driver_email", "not an email address"))
    label = cells.get("label", "")
    if len(label) > 200:
        problems.append(CardProblem(number, "label", "at most 200 characters"))
    expires: datetime | None = None
    if cells.get("expires_at"):
        try:
            expires = _expiry(cells["expires_at"])
        except ValueError:
            problems.append(CardProblem(number, "expires_at", "a date as YYYY-MM-DD"))
    if len(problems) > found:
        return None
    assert isinstance(kind, IdTokenType)
    assert isinstance(status, TokenStatus)
    return Card(number, value, kind, status, parent, email, label, expires)
