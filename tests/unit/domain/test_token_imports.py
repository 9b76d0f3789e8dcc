"""Reading cards from a table: defaults, every problem named by row and column, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.token_imports import COLUMNS, CardImportRefused, read_cards
from kilowatt.domain.tokens import IdTokenType, TokenStatus


def test_a_card_takes_the_defaults_of_the_empty_columns() -> None:
    [card] = read_cards([["Value", "Type", "Expires_at"], ["04A1B2", "", "2030-06-30"]])
    assert card.value == "04A1B2"
    assert card.type is IdTokenType.ISO14443
    assert card.status is TokenStatus.ACCEPTED
    assert card.expires_at == datetime(2030, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert card.row == 2


def test_every_problem_is_named_and_nothing_is_read() -> None:
    with pytest.raises(CardImportRefused) as refused:
        read_cards(
            [
                list(COLUMNS),
                ["A", "Magic", "", "", "", "", ""],
                ["B", "", "Sleeping", "", "no-address", "", "tomorrow"],
                ["A", "", "", "", "", "", ""],
                ["A", "Magic", "", "", "", "", ""],
            ]
        )
    found = {(p.row, p.column) for p in refused.value.problems}
    assert found == {
        (2, "type"),
        (3, "status"),
        (3, "driver_email"),
        (3, "expires_at"),
        (5, "type"),
    }  # row 2 was refused, so row 4's "A" is not a second card
    assert [p.row for p in refused.value.problems] == sorted(p.row for p in refused.value.problems)


def test_the_same_card_twice_is_named_with_its_first_row() -> None:
    with pytest.raises(CardImportRefused) as refused:
        read_cards([["value"], ["A"], ["B"], ["A"]])
    [problem] = refused.value.problems
    assert (problem.row, problem.column, problem.message) == (4, "value", "the same card as row 2")


def test_a_table_without_the_value_column_or_with_an_unknown_one_is_refused() -> None:
    with pytest.raises(CardImportRefused) as refused:
        read_cards([["label", "colour"], ["x", "red"]])
    assert {(p.row, p.column) for p in refused.value.problems} == {(1, "colour"), (1, "value")}
    with pytest.raises(CardImportRefused):
        read_cards([])
    with pytest.raises(CardImportRefused):
        read_cards([["value"], ["", ""]])


@given(st.lists(st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=20), max_size=30))
def test_distinct_values_are_read_in_order(values: list[str]) -> None:
    distinct = list(dict.fromkeys(values))
    if not distinct:
        return
    cards = read_cards([["value"], *[[v] for v in distinct]])
    assert [c.value for c in cards] == distinct
    assert [c.row for c in cards] == list(range(2, len(distinct) + 2))
