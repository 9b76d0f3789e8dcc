"""Frozen dataclasses ⇄ JSON, read from their type hints.

What a dataclass can hold here: str, int, float, bool, None, datetime (ISO 8601), StrEnum
and IntEnum members (their values), ``Literal`` strings, ``NewType``s of these, nested
dataclasses, ``tuple[X, ...]`` (JSON lists), and JSON left as it is (``Any``,
``Mapping[str, Any]``, ``dict[str, Any]``). ``None`` fields are left out of the JSON; absent
keys take the field's default; keys the dataclass does not know are ignored (rows written by an
older Kilowatt may hold a few).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from kilowatt.domain.errors import InvalidInput

T = TypeVar("T")


def encode(value: Any) -> Any:
    """A dataclass (or anything it holds) as JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for item in dataclasses.fields(value):
            field_value = getattr(value, item.name)
            if field_value is not None:
                out[item.name] = encode(field_value)
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def decode(cls: type[T], data: Any, field: str = "", *, strict: bool = False) -> T:
    """The dataclass ``cls`` read from JSON; InvalidInput naming the field that does not fit.
    ``strict``: a key the dataclass does not have is refused rather than ignored."""
    if not isinstance(data, Mapping):
        raise InvalidInput(field or "params", "an object is wanted")
    hints = _hints(cls)
    if strict:
        names = {item.name for item in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for key in data:
            if key not in names:
                raise InvalidInput(_at(field, key), f"{cls.__name__} has no such field")
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        if item.name not in data or data[item.name] is None:
            continue
        values[item.name] = _value(hints[item.name], data[item.name], _at(field, item.name), strict)
    try:
        return cls(**values)
    except TypeError as error:
        raise InvalidInput(field or "params", f"incomplete: {error}") from None


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _at(field: str, name: str | int) -> str:
    return f"{field}.{name}" if field else str(name)


def _value(hint: Any, data: Any, field: str, strict: bool) -> Any:
    supertype = getattr(hint, "__supertype__", None)
    if supertype is not None:  # a NewType
        return _value(supertype, data, field, strict)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return data
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if data is None:
            return None
        if len(options) == 1:
            return _value(options[0], data, field, strict)
        for option in options:  # the first that fits
            try:
                return _value(option, data, field, strict)
            except InvalidInput:
                continue
        raise InvalidInput(field, "does not fit")
    if origin is typing.Literal:
        if data not in args:
            raise InvalidInput(field, f"one of {', '.join(map(str, args))}")
        return data
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise InvalidInput(field, "a list is wanted")
        item_hint = args[0]
        return tuple(_value(item_hint, item, _at(field, i), strict) for i, item in enumerate(data))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(data, Mapping):
            raise InvalidInput(field, "an object is wanted")
        return dict(data)
    if dataclasses.is_dataclass(hint):
        return decode(hint, data, field, strict=strict)  # type: ignore[arg-type]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            raise InvalidInput(field, f"not a known {hint.__name__}") from None
    if hint is datetime:
        if isinstance(data, datetime):
            return data
        try:
            return datetime.fromisoformat(str(data))
        except ValueError:
            raise InvalidInput(field, "an ISO 8601 time is wanted") from None
    if hint is bool:
        if not isinstance(data, bool):
            raise InvalidInput(field, "true or false")
        return data
    if hint is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise InvalidInput(field, "a whole number is wanted")
        return data
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise InvalidInput(field, "a number is wanted")
        return float(data)
    if hint is str:
        if not isinstance(data, str):
            raise InvalidInput(field, "a text is wanted")
        return data
    raise TypeError(f"the codec cannot read {hint!r}")
