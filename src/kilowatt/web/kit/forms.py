"""Typed query strings and forms with bounds. A page declares what it reads as a ``Fields``
model (pydantic: every field typed, bounded and with a default); ``read`` checks each field on
its own, so that every bad value gets its own message, in words, beside its field, while the
good ones still count. Nothing of a request is parsed by hand elsewhere: routes read through
``Web.query`` and ``Web.form`` (kit/context.py).

A field that only links carry (a page's cursor) is marked ``LINK``: a bad value there is not
the operator's typing but a broken address, answered with 400 naming the field.

    class Filter(Fields):
        q: Search = ""
        state: Annotated[State | None, REQUIRED, Says(N_("Choose open or ended."))] = None
        cursor: Cursor = None
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Generic, Protocol, TypeVar, get_args, get_origin
from urllib.parse import urlencode

import annotated_types
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError
from starlette.datastructures import UploadFile

from kilowatt.web.kit.i18n import N_

Gettext = Callable[[str], str]

BIGINT = 2**63 - 1
"""The largest id either database stores (a signed 64-bit integer)."""
INTEGER = 2**31 - 1
"""The largest number an INTEGER column stores (EVSE and connector numbers)."""

SEARCH = 100
"""The longest search text a list takes."""


OUT_OF_BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
"""The errors of a number of the right kind but beyond the field's bounds."""


@dataclass(frozen=True, slots=True)
class Says:
    """The message (a msgid marked with ``N_``) for a bad value of the field, in place of the
    kit's own for its type; ``only``: for these kinds of error alone (pydantic's error types,
    such as OUT_OF_BOUNDS)."""

    message: str
    only: tuple[str, ...] = ()


class Link:
    """Marks a field that links carry and no form shows: a bad value answers 400."""

    def __repr__(self) -> str:
        return "LINK"


LINK = Link()


class Verbatim:
    """Marks a text kept as typed (a password): not trimmed."""

    def __repr__(self) -> str:
        return "VERBATIM"


VERBATIM = Verbatim()


@dataclass(frozen=True, slots=True)
class Required:
    """Marks a field that must be filled in: left empty (or not sent), it gets ``message``
    (a msgid marked with ``N_``), else its ``Says``, else "Fill in this field."."""

    message: str = ""


REQUIRED = Required()


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The days a date field takes: a day's bounds in any time zone are still times."""


def _day(value: Any) -> Any:
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise PydanticCustomError("words", N_("Enter a date as YYYY-MM-DD."))
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("words", N_("Enter a date as YYYY-MM-DD.")) from None
        if not FIRST_DAY <= value <= LAST_DAY:
            raise PydanticCustomError("words", N_("Enter a date from 1900-01-01 to 2999-12-31."))
    return value


def _decimal(value: Any) -> Any:
    """A number as people type it: a decimal comma is a point."""
    return value.replace(",", ".") if isinstance(value, str) else value


def _ticked(value: Any) -> Any:
    """A checkbox: sent (with any value) is ticked."""
    return bool(value) if isinstance(value, str) else value


Cursor = Annotated[int | None, Field(ge=0, le=BIGINT), LINK]
"""The ``next_cursor`` of the page before (an id)."""
Id = Annotated[int | None, Field(ge=1, le=BIGINT)]
"""An id picked from a list (a site)."""
Day = Annotated[date | None, BeforeValidator(_day)]
"""A day as YYYY-MM-DD (the date input's value)."""
Search = Annotated[str, Field(max_length=SEARCH)]
Number = Annotated[Decimal, BeforeValidator(_decimal), Field(allow_inf_nan=False)] | None
"""A decimal number; a comma is a decimal point."""
Checkbox = Annotated[bool, BeforeValidator(_ticked)]
Upload = UploadFile | None


class Fields(BaseModel):
    """What a page reads from a query string or a form; every field has a default, the value
    of a field left empty or not sent."""

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)

    def problems(self) -> dict[str, str]:
        """What is wrong between fields, each valid on its own (field → msgid marked N_)."""
        return {}


F = TypeVar("F", bound=Fields)


class Source(Protocol):
    """A query string or a form (starlette's QueryParams, FormData)."""

    def getlist(self, key: Any) -> list[Any]: ...


@dataclass(frozen=True)
class Reading(Generic[F]):
    """What a request said, read by a ``Fields`` model."""

    data: F
    """The values; a bad field has its default."""
    values: dict[str, str]
    """Each field's text as sent (trimmed; "" when not sent), for the form to show again."""
    errors: dict[str, str]
    """Field → what is wrong, in words, for beside the field."""
    broken: dict[str, str]
    """LINK fields → what is wrong, in words: the address itself is broken."""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.broken

    @property
    def filtered(self) -> bool:
        """Whether any field but the LINK ones was filled in."""
        return bool(self.query())

    def query(self, **changes: str | int | None) -> str:
        """The query string of the same fields (not the LINK ones) with ``changes``; empty
        values left out."""
        links = _links(type(self.data))
        merged: dict[str, Any] = {k: v for k, v in self.values.items() if k not in links}
        merged.update(changes)
        return urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    def link(self, path: str, **changes: str | int | None) -> str:
        """``path`` with the query string of ``query(**changes)``, if any."""
        query = self.query(**changes)
        return f"{path}?{query}" if query else path


@cache
def _adapters(model: type[Fields]) -> dict[str, TypeAdapter[Any]]:
    adapters: dict[str, TypeAdapter[Any]] = {}
    for name, field in model.model_fields.items():
        kept = [m for m in field.metadata if not isinstance(m, Says | Link | Required | Verbatim)]
        annotation: Any = Annotated[(field.annotation, *kept)] if kept else field.annotation
        adapters[name] = TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
    return adapters


@cache
def _links(model: type[Fields]) -> frozenset[str]:
    return frozenset(
        _key(name, field)
        for name, field in model.model_fields.items()
        if any(isinstance(m, Link) for m in field.metadata)
    )


def _is_required(field: FieldInfo) -> bool:
    return any(isinstance(m, Required) for m in field.metadata)


def _missing(key: str) -> ValidationError:
    return ValidationError.from_exception_data(
        key, [{"type": "missing", "loc": (key,), "input": None}]
    )


def _key(name: str, field: FieldInfo) -> str:
    return field.alias or name


def _is_list(field: FieldInfo) -> bool:
    return get_origin(field.annotation) is list


def _blank(value: Any) -> bool:
    if isinstance(value, UploadFile):
        return not value.filename
    return value is None or value == ""


def read(model: type[F], source: Source, gettext: Gettext) -> Reading[F]:
    """Read ``model``'s fields from ``source``: each one checked on its own, a field empty or
    not sent taking its default (which must then be valid: a required text's default "" is
    not, when its model says ``min_length=1``)."""
    adapters = _adapters(model)
    good: dict[str, Any] = {}
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    broken: dict[str, str] = {}
    for name, field in model.model_fields.items():
        key = _key(name, field)
        sent = source.getlist(key)
        if not any(isinstance(m, Verbatim) for m in field.metadata):
            sent = [v.strip() if isinstance(v, str) else v for v in sent]
        value: Any
        if _is_list(field):
            value = [v for v in sent if not _blank(v)]
        else:
            value = sent[-1] if sent else None
            values[key] = value if isinstance(value, str) else ""
            if _blank(value):
                value = field.get_default(call_default_factory=True)
        try:
            good[name] = adapters[name].validate_python(value)
            if _is_required(field) and good[name] in (None, "", []):
                raise _missing(key)
        except ValidationError as error:
            message = _message(field, error.errors()[0], gettext)
            if any(isinstance(m, Link) for m in field.metadata):
                broken[key] = message
            else:
                errors[key] = message
    data = model.model_construct(**good)
    if not errors and not broken:
        errors = {key: gettext(message) for key, message in data.problems().items()}
    return Reading(data, values, errors, broken)


_WHOLE = ("int_parsing", "int_type", "int_from_float")
_BOUNDS = OUT_OF_BOUNDS
_NUMBER = ("decimal_parsing", "decimal_type", "finite_number", "float_parsing", "float_type")


def _message(field: FieldInfo, error: ErrorDetails, gettext: Gettext) -> str:
    """A bad value's message in words: the field's own (``Says``), else the kit's for what
    went wrong."""
    _ = gettext
    kind = error["type"]
    required = next((m for m in field.metadata if isinstance(m, Required)), None)
    if kind == "missing" and required is not None and required.message:
        return _(required.message)
    says = next((m for m in field.metadata if isinstance(m, Says)), None)
    if says is not None and (not says.only or kind in says.only):
        return _(says.message)
    context = error.get("ctx") or {}
    if kind == "words":
        return _(error["msg"])
    if kind == "string_too_long":
        return _("At most %(limit)s characters.") % {"limit": context["max_length"]}
    if kind in ("string_too_short", "missing"):
        return _("Fill in this field.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of the options.")
    base, constraints = _typed(field)
    whole = kind in _WHOLE or (kind in _BOUNDS and base in (int, int | None))
    if whole or kind in _BOUNDS:
        return _range(constraints, gettext, whole=whole)
    if kind in _NUMBER:
        return _("Enter a number.")
    return _("Enter a valid value.")


def _typed(field: FieldInfo) -> tuple[Any, list[Any]]:
    """The field's type and constraints; of a list field, its items'."""
    if not _is_list(field):
        return field.annotation, list(field.metadata)
    (item,) = get_args(field.annotation)
    if get_origin(item) is not Annotated:
        return item, []
    base, *extras = get_args(item)
    constraints: list[Any] = []
    for extra in extras:
        constraints.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
    return base, constraints


def _range(constraints: list[Any], gettext: Gettext, *, whole: bool) -> str:
    _ = gettext
    low: Any = None
    high: Any = None
    above = False
    for bound in constraints:
        if isinstance(bound, annotated_types.Ge):
            low = bound.ge
        elif isinstance(bound, annotated_types.Gt):
            low, above = bound.gt, not whole
            low = low + 1 if whole else low
        elif isinstance(bound, annotated_types.Le):
            high = bound.le
        elif isinstance(bound, annotated_types.Lt):
            high = bound.lt
            high = high - 1 if whole else high
    bounds = {"minimum": low, "maximum": high}
    if whole:
        if low is not None and high is not None:
            return _("Enter a whole number from %(minimum)s to %(maximum)s.") % bounds
        if low is not None:
            return _("Enter a whole number of at least %(minimum)s.") % bounds
        return _("Enter a whole number.")
    if low is not None and high is not None:
        if above:
            return _("Enter a number above %(minimum)s and at most %(maximum)s.") % bounds
        return _("Enter a number from %(minimum)s to %(maximum)s.") % bounds
    return _("Enter a number.")
