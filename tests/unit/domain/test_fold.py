"""``fold``: what forgiving searches compare (domain/fuzzy.py), and the table PostgreSQL's
``translate`` folds with."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.fuzzy import fold, fold_table, fuzzy_filter, fuzzy_score


def test_accents_and_case_do_not_count() -> None:
    assert fold("Södermalm") == "sodermalm"
    assert fold("ÅNGSTRÖM Łódź Ørsted Ñandú") == "angstrom lodz orsted nandu"
    assert fold("СОФИЯ") == "софия"
    assert fold("北京 Straße") == "北京 straße"  # no accent to drop; ß stays one letter


def test_a_ligature_or_superscript_is_not_cut_to_one_letter() -> None:
    assert fold("ﬁne x²") == "ﬁne x²"


@given(st.text())
def test_fold_keeps_one_character_for_each_and_is_idempotent(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded


@given(st.text(alphabet=st.characters(min_codepoint=0xC0, max_codepoint=0x4FF)))
def test_the_translate_table_folds_as_fold_does(text: str) -> None:
    """PostgreSQL runs lower(translate(text, source, target)): for the table's range, that is
    ``fold``, so both databases find the same rows."""
    source, target = fold_table()
    assert len(source) == len(target)
    translated = text.translate(str.maketrans(source, target)).lower()
    expected = fold(text)
    for got, wanted, char in zip(translated, expected, text, strict=True):
        # Python's lower() and fold() disagree only where lower() is not one character
        if len(char.lower()) == 1:
            assert got == wanted, (char, unicodedata.name(char, "?"))


def test_fuzzy_search_forgives_accents() -> None:
    assert fuzzy_score("sodermalm", "Södermalm Garage") is not None
    assert fuzzy_filter("GOTEBORG", ["Malmö", "Göteborg"], str) == ["Göteborg"]


def test_a_mark_that_decomposes_into_marks_stays_itself() -> None:
    """U+0344 decomposes into two combining marks: no letter to keep, nothing to drop (and
    PostgreSQL's table, of letters only, leaves it too)."""
    assert fold("\u0344") == "\u0344"
    assert fold("a\u0344") == "a\u0344"
