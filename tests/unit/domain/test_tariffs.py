"""Tariffs: refused with the field named when they could never be priced right; OCPI JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.money import Money, parse_decimal, round_money
from kilowatt.domain.tariff_codec import parse_version, version_json

FROM = datetime(2026, 12, 1, tzinfo=UTC)


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "currency": "EUR",
        "vat": "25.5",
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": "0.40"}],
                "restrictions": {"start_time": "17:00", "end_time": "21:00"},
            },
            {
                "price_components": [
                    {"type": "ENERGY", "price": "0.25"},
                    {"type": "PARKING_TIME", "price": "6.00", "step_size": 60},
                ]
            },
        ],
        "tariff_alt_text": [{"language": "en", "text": "Peak 17-21"}],
    }
    data.update(changes)
    return data


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as info:
        parse_version(data, FROM)
    return info.value.field


def test_a_good_tariff_goes_back_and_forth_as_ocpi_json() -> None:
    version = parse_version(body(), FROM)
    again = parse_version(version_json(version), FROM)
    assert again == version
    assert version_json(version)["elements"][1]["price_components"][1]["price"] == "6.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "EUX"}, "currency"),
        ({"currency": None}, "currency"),
        ({"vat": "100"}, "vat"),
        ({"vat": 25.5}, "vat"),
        ({"elements": []}, "elements"),
        ({"elements": "x"}, "elements"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "5", "max_price": "4"}, "max_price"),
        (
            {"elements": [{"price_components": [{"type": "ENERGY", "price": "-0.1"}]}]},
            "elements[0].price_components[0].price",
        ),
        (
            {"elements": [{"price_components": [{"type": "ENERGY", "price": 0.1}]}]},
            "elements[0].price_components[0].price",
        ),
        (
            {"elements": [{"price_components": [{"type": "KWH", "price": "1"}]}]},
            "elements[0].price_components[0].type",
        ),
        (
            {"elements": [{"price_components": [{"type": "TIME", "price": "1", "step_size": 0}]}]},
            "elements[0].price_components[0].step_size",
        ),
        ({"elements": [{"price_components": []}]}, "elements[0].price_components"),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": "1"}],
                        "restrictions": {"start_time": "17:00", "end_time": "17:00"},
                    }
                ]
            },
            "elements[0].restrictions.end_time",
        ),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": "1"}],
                        "restrictions": {"start_time": "5pm"},
                    }
                ]
            },
            "elements[0].restrictions.start_time",
        ),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": "1"}],
                        "restrictions": {"min_kwh": "10", "max_kwh": "5"},
                    }
                ]
            },
            "elements[0].restrictions.max_kwh",
        ),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": "1"}],
                        "restrictions": {"day_of_week": ["FUNDAY"]},
                    }
                ]
            },
            "elements[0].restrictions.day_of_week[0]",
        ),
        (
            # an unrestricted element first: the second can never apply
            {
                "elements": [
                    {"price_components": [{"type": "ENERGY", "price": "1"}]},
                    {
                        "price_components": [{"type": "ENERGY", "price": "2"}],
                        "restrictions": {"start_time": "17:00"},
                    },
                ]
            },
            "elements[1].restrictions",
        ),
        (
            # the same restrictions pricing energy twice: ambiguous
            {
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": "1"}],
                        "restrictions": {"start_time": "17:00", "end_time": "21:00"},
                    },
                    {
                        "price_components": [
                            {"type": "ENERGY", "price": "2"},
                            {"type": "TIME", "price": "1"},
                        ],
                        "restrictions": {"start_time": "17:00", "end_time": "21:00"},
                    },
                ]
            },
            "elements[1].restrictions",
        ),
    ],
)
def test_bad_tariffs_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    assert refused(body(**change)) == field


def test_money_rounds_to_the_currencys_minor_unit_half_up() -> None:
    assert round_money(Decimal("2.005"), "EUR") == Decimal("2.01")
    assert round_money(Decimal("100.5"), "JPY") == Decimal("101")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert Money.of("3", "EUR").text() == "3.00"
    with pytest.raises(InvalidInput):
        parse_decimal(0.1, "amount")
    with pytest.raises(InvalidInput):
        parse_decimal("NaN", "amount")
    with pytest.raises(InvalidInput):
        Money.of(1, "XXX")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-1e6, max_value=1e6))
def test_rounding_is_idempotent_and_within_half_a_cent(amount: Decimal) -> None:
    once = round_money(amount, "EUR")
    assert round_money(once, "EUR") == once
    assert abs(once - amount) <= Decimal("0.005")
