"""Keyset paging shared by every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from kilowatt.domain.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``cursor`` is the id of the last item of the previous page."""

    limit: int = 50
    cursor: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput("limit", f"must be between 1 and {MAX_PAGE}")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: int | None
