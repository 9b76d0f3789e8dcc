from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict

T = TypeVar("T")
S = TypeVar("S")


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = None

    @classmethod
    def of(cls, items: Iterable[S], next_cursor: int | None, convert: Callable[[S], T]) -> Page[T]:
        return cls(items=[convert(item) for item in items], next_cursor=next_cursor)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2025-01-31T12:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
