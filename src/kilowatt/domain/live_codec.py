"""Live events to and from their wire shape: a JSON object (keys in field order) under the
event's topic. The SSE streams and the Redis relay between nodes both use it, so a browser,
an integrator and another node read the same thing.

Fields are read from the type hints of domain/live.py: strings, integers, numbers, booleans,
enumerations (by value), date-times (ISO 8601) and string → number maps, each possibly None.
``decode`` checks every field and says which one is wrong (``InvalidEvent``).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, NamedTuple, Union, get_args, get_origin, get_type_hints

from kilowatt.domain.live import ABSENT_WHEN_NONE, BY_TOPIC, LiveEvent

Json = Any
"""What orjson / json can write: None, bool, int, float, str, list, dict."""


class InvalidEvent(ValueError):
    """A wire event that is not one of the catalogue's, or not shaped like it."""


class FieldSpec(NamedTuple):
    name: str
    hint: Any
    """The type, without its ``Annotated`` notes."""
    about: str
    optional: bool
    absent_when_none: bool
    encode: Callable[[Any], Json] | None
    """None: the value is written as it is."""
    decode: Callable[[Any], Any]


_SPECS: dict[type[LiveEvent], tuple[FieldSpec, ...]] = {}


def fields_of(kind: type[LiveEvent]) -> tuple[FieldSpec, ...]:
    """The wire fields of an event type, in order (read once per type)."""
    specs = _SPECS.get(kind)
    if specs is None:
        specs = _SPECS[kind] = _read_fields(kind)
    return specs


def _read_fields(kind: type[LiveEvent]) -> tuple[FieldSpec, ...]:
    hints = get_type_hints(kind, include_extras=True)
    specs = []
    for field in dataclasses.fields(kind):
        hint, notes = hints[field.name], tuple[Any, ...]()
        if get_origin(hint) is Annotated:
            hint, notes = hint.__origin__, hint.__metadata__
        optional = False
        if _is_union(hint):
            members = [a for a in get_args(hint) if a is not type(None)]
            if len(members) != 1:
                raise TypeError(f"{kind.__name__}.{field.name}: one type or None, not {hint}")
            optional, hint = True, members[0]
        encode, decode = _converters(hint, f"{kind.topic} {field.name}")
        specs.append(
            FieldSpec(
                name=field.name,
                hint=hint,
                about=next((n for n in notes if n != ABSENT_WHEN_NONE), ""),
                optional=optional,
                absent_when_none=ABSENT_WHEN_NONE in notes,
                encode=encode,
                decode=decode,
            )
        )
    return tuple(specs)


def encode(event: LiveEvent) -> dict[str, Json]:
    """The event's wire object (its topic travels beside it: ``event.topic``)."""
    wire: dict[str, Json] = {}
    for spec in fields_of(type(event)):
        value = getattr(event, spec.name)
        if value is None:
            if not spec.absent_when_none:
                wire[spec.name] = None
        else:
            wire[spec.name] = value if spec.encode is None else spec.encode(value)
    return wire


def decode(topic: str, wire: Mapping[str, Json]) -> LiveEvent:
    """The event a wire object stands for; ``InvalidEvent`` if it is not one."""
    kind = BY_TOPIC.get(topic)
    if kind is None:
        raise InvalidEvent(f"unknown event {topic!r}")
    values: dict[str, Any] = {}
    for spec in fields_of(kind):
        if spec.name not in wire and not spec.absent_when_none:
            raise InvalidEvent(f"{topic}: {spec.name} is missing")
        value = wire.get(spec.name)
        if value is None:
            if not spec.optional:
                raise InvalidEvent(f"{topic}: {spec.name} may not be null")
            values[spec.name] = None
            continue
        try:
            values[spec.name] = spec.decode(value)
        except (TypeError, ValueError) as exc:
            raise InvalidEvent(f"{topic}: {spec.name}: {exc}") from None
    return kind(**values)


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


def _converters(hint: Any, where: str) -> tuple[Callable[[Any], Json] | None, Callable[[Any], Any]]:
    if hint is bool:
        return None, _exactly(bool)
    if hint is int:
        return None, _integer
    if hint is float:
        return None, _number
    if hint is str:
        return None, _exactly(str)
    if hint is datetime:
        return datetime.isoformat, _datetime
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _value, hint
    if get_origin(hint) is Mapping and get_args(hint) == (str, float):
        return dict, _numbers
    raise TypeError(f"{where}: no wire form for {hint!r}")


def _exactly(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return check


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _number(value: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    number: float = value  # an integer stays one: relayed, the event is written as it came
    return number


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date-time, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def _numbers(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return {_exactly(str)(key): _number(number) for key, number in value.items()}


def _value(member: Enum) -> Json:
    return member.value
