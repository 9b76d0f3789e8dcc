"""The web kit's typed query strings and forms (web/kit/forms.py): bounds, enums, dates,
lengths, defaults, messages in words, and the fields only links carry."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Annotated

import pytest
from pydantic import Field
from starlette.datastructures import FormData, Headers, QueryParams, UploadFile

from kilowatt.web.kit.forms import (
    BIGINT,
    REQUIRED,
    VERBATIM,
    Checkbox,
    Cursor,
    Day,
    Fields,
    Id,
    Number,
    Required,
    Says,
    Search,
    Upload,
    read,
)
from kilowatt.web.kit.i18n import N_, translations

_ = translations("en").gettext


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Filter(Fields):
    q: Search = ""
    site: Id = None
    colour: Colour | None = None
    since: Day = None
    until: Day = None
    cursor: Cursor = None

    def problems(self) -> dict[str, str]:
        if self.since and self.until and self.until < self.since:
            return {"until": N_("The end date is before the start date.")}
        return {}


def _filter(query: str) -> tuple[Filter, dict[str, str], dict[str, str]]:
    reading = read(Filter, QueryParams(query), _)
    return reading.data, reading.errors, reading.broken


def test_good_values_are_typed_and_empty_ones_take_their_defaults() -> None:
    data, errors, broken = _filter(
        "q=+north+&site=7&colour=blue&since=2026-03-01&until=&cursor=123&other=x"
    )
    assert (errors, broken) == ({}, {})
    assert data == Filter(q="north", site=7, colour=Colour.BLUE, since=date(2026, 3, 1), cursor=123)
    assert _filter("")[0] == Filter()


@pytest.mark.parametrize(
    "cursor",
    [str(BIGINT + 1), "99999999999999999999", "-1", "abc", "1.5", "1e3", "\uff10"],
)
def test_a_cursor_out_of_bounds_or_not_a_number_is_a_broken_link(cursor: str) -> None:
    data, errors, broken = _filter(f"q=x&cursor={cursor}")
    assert errors == {}
    assert broken == {
        "cursor": f"Enter a whole number from 0 to {BIGINT}.",
    }
    assert data.cursor is None
    assert data.q == "x"


def test_the_largest_cursor_is_taken() -> None:
    data, _errors, broken = _filter(f"cursor={BIGINT}")
    assert broken == {}
    assert data.cursor == BIGINT


def test_each_bad_field_gets_its_own_message_and_the_good_ones_still_count() -> None:
    data, errors, broken = _filter(
        "q=" + "x" * 101 + "&site=0&colour=green&since=2026-13-01&until=1700000000"
    )
    assert broken == {}
    assert errors == {
        "q": "At most 100 characters.",
        "site": f"Enter a whole number from 1 to {BIGINT}.",
        "colour": "Choose one of the options.",
        "since": "Enter a date as YYYY-MM-DD.",
        "until": "Enter a date as YYYY-MM-DD.",
    }
    assert data == Filter()
    _data, errors, _broken = _filter("site=abc&colour=blue")
    assert errors == {"site": f"Enter a whole number from 1 to {BIGINT}."}
    assert _data.colour is Colour.BLUE


def test_a_problem_between_fields_is_told_once_each_is_valid() -> None:
    _data, errors, _broken = _filter("since=2026-03-02&until=2026-03-01")
    assert errors == {"until": "The end date is before the start date."}
    _data, errors, _broken = _filter("since=2026-03-02&until=2026-02-30")
    assert errors == {"until": "Enter a date as YYYY-MM-DD."}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_a_day_whose_bounds_are_no_time_in_some_zone_is_refused(day: str) -> None:
    _data, errors, _broken = _filter(f"since={day}")
    assert errors == {"since": "Enter a date from 1900-01-01 to 2999-12-31."}
    data, errors, _broken = _filter("since=1900-01-01&until=2999-12-31")
    assert errors == {}
    assert (data.since, data.until) == (date(1900, 1, 1), date(2999, 12, 31))


def test_the_query_of_a_reading_keeps_the_filter_and_drops_the_cursor() -> None:
    reading = read(Filter, QueryParams("q=a b&site=&colour=red&cursor=5"), _)
    assert reading.query() == "q=a+b&colour=red"
    assert reading.query(cursor=9) == "q=a+b&colour=red&cursor=9"
    assert reading.link("/things", q="") == "/things?colour=red"
    assert read(Filter, QueryParams(""), _).link("/things") == "/things"


class Power(enum.StrEnum):
    SET = "set"
    CLEAR = "clear"


class LimitForm(Fields):
    name: Annotated[str, Field(max_length=20), REQUIRED, Says(N_("Enter a name."))] = ""
    action: Power = Power.SET
    mode: Annotated[Power | None, REQUIRED] = Power.SET
    limit: Annotated[Number, Field(gt=0, le=1000)] = None
    evse: Annotated[int, Field(ge=1, le=99)] = 1
    connectors: list[Annotated[int, Field(ge=1, le=BIGINT)]] = []
    agree: Checkbox = False
    file: Upload = None


def _form(*pairs: tuple[str, str | UploadFile]) -> tuple[LimitForm, dict[str, str]]:
    reading = read(LimitForm, FormData(list(pairs)), _)
    return reading.data, reading.errors


def test_a_form_reads_repeated_fields_checkboxes_decimal_commas_and_files() -> None:
    upload = UploadFile(BytesIO(b"x"), filename="a.xlsx", headers=Headers({}))
    data, errors = _form(
        ("name", "Bay"),
        ("action", "clear"),
        ("limit", "7,4"),
        ("connectors", "3"),
        ("connectors", ""),
        ("connectors", "5"),
        ("agree", "yes"),
        ("file", upload),
    )
    assert errors == {}
    assert data.action is Power.CLEAR
    assert data.limit == Decimal("7.4")
    assert data.connectors == [3, 5]
    assert data.agree is True
    assert data.file is upload
    empty = UploadFile(BytesIO(b""), filename="", headers=Headers({}))
    data, errors = _form(("name", "Bay"), ("file", empty))
    assert errors == {}
    assert (data.file, data.agree, data.action, data.evse) == (None, False, Power.SET, 1)


def test_a_required_field_left_empty_says_so_in_its_own_words_or_the_kits() -> None:
    _data, errors = _form(("name", "   "))
    assert errors == {"name": "Enter a name."}
    _data, errors = _form()
    assert errors == {"name": "Enter a name."}
    _data, errors = _form(("name", "x" * 21))
    assert errors == {"name": "Enter a name."}
    data, errors = _form(("name", "Bay"), ("mode", ""))
    assert errors == {}
    assert data.mode is Power.SET


class SignIn(Fields):
    email: Annotated[str, Field(max_length=50)] = ""
    password: Annotated[str, Field(max_length=50), VERBATIM, REQUIRED] = ""


def test_texts_are_trimmed_but_a_verbatim_one_is_kept_as_typed() -> None:
    reading = read(SignIn, FormData([("email", " a@b.test "), ("password", " secret ")]), _)
    assert (reading.data.email, reading.data.password) == ("a@b.test", " secret ")
    blank = read(SignIn, FormData([("password", "")]), _)
    assert blank.errors == {"password": "Fill in this field."}


class Choice(Fields):
    kind: Annotated[Power | None, REQUIRED] = None
    title: Annotated[str, Field(max_length=5), Required(N_("Enter a title."))] = ""


def test_a_required_field_has_its_own_word_for_empty_and_the_kits_for_the_rest() -> None:
    assert read(Choice, FormData([]), _).errors == {
        "kind": "Fill in this field.",
        "title": "Enter a title.",
    }
    chosen = read(Choice, FormData([("kind", "set"), ("title", "Bay 12")]), _)
    assert chosen.errors == {"title": "At most 5 characters."}
    assert chosen.data.kind is Power.SET


@pytest.mark.parametrize(
    ("pairs", "field", "message"),
    [
        ((("limit", "0"),), "limit", "Enter a number above 0 and at most 1000."),
        ((("limit", "1001"),), "limit", "Enter a number above 0 and at most 1000."),
        ((("limit", "nan"),), "limit", "Enter a number."),
        ((("limit", "seven"),), "limit", "Enter a number."),
        ((("evse", "100"),), "evse", "Enter a whole number from 1 to 99."),
        ((("evse", "1.5"),), "evse", "Enter a whole number from 1 to 99."),
        (
            (("connectors", "x"),),
            "connectors",
            "Enter a whole number from 1 to 9223372036854775807.",
        ),
        ((("action", "both"),), "action", "Choose one of the options."),
        ((("file", "not a file"),), "file", "Enter a valid value."),
    ],
)
def test_bad_form_values_get_their_message(
    pairs: tuple[tuple[str, str], ...], field: str, message: str
) -> None:
    _data, errors = _form(("name", "Bay"), *pairs)
    assert errors == {field: message}
