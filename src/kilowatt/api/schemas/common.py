from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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


# Every integer Kilowatt stores is a 64-bit column: larger numbers are refused at the edge.
MAX_INT = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Positive = Annotated[int, Field(gt=0, le=MAX_INT)]


def _aware(value: datetime | None) -> datetime | None:
    """Times must carry their zone; they are answered back in UTC like every other time."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2025-01-31T12:00:00Z")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class Patch(Schema):
    """A partial update. ``null`` clears a text field (to "") and is refused for a field that
    must always have a value; an absent field is left as it is."""

    text_fields: ClassVar[frozenset[str]] = frozenset()
    required_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _nulls(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name in cls.text_fields:
            return ""
        if value is None and info.field_name in cls.required_fields:
            raise ValueError("may not be null")
        return value
