"""Search that forgives: ``fold`` (a text without accents, in lower case: "Södermalm" and
"sodermalm" are the same) for every search of names, and fuzzy search, as in the site list: the
letters of a query in order (spaces ignored, any case or accent), contiguous runs, word starts
and the start of the text scoring more."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

UNDECOMPOSED = {"ø": "o", "đ": "d", "ł": "l", "\u0131": "i", "ħ": "h", "ŧ": "t"}
"""Letters with a stroke, which Unicode does not decompose into a letter and a mark."""


def fold(text: str) -> str:
    """``text`` in lower case without accents or other marks, one character for each of its
    letters ("Ångström" → "angstrom", "ŁÓDŹ" → "lodz"); other scripts lower-cased
    ("СОФИЯ" → "софия")."""
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lower = char.lower()[:1]  # "İ" lowers to "i" and a dot: keep the letter
    decomposed = unicodedata.normalize("NFD", lower)
    base, marks = decomposed[0], decomposed[1:]
    # A letter with its marks loses them; a mark that decomposes into marks stays itself
    # (U+0344 COMBINING GREEK DIALYTIKA TONOS), as PostgreSQL's table, of letters, leaves it.
    if marks and not unicodedata.combining(base) and all(unicodedata.combining(m) for m in marks):
        lower = base
    return UNDECOMPOSED.get(lower, lower)


def fold_table(first: int = 0x00C0, last: int = 0x04FF) -> tuple[str, str]:
    """The characters of a range that ``fold`` changes, and what each becomes: a one-for-one
    table for SQL ``translate`` (PostgreSQL searches fold the same way as SQLite's)."""
    source, target = [], []
    for point in range(first, last + 1):
        char = chr(point)
        if not char.isalpha():
            continue
        folded = _fold_char(char)
        if folded != char and len(folded) == 1:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


def fuzzy_score(query: str, text: str) -> float | None:
    """How well ``query`` matches ``text``: None when its letters (spaces ignored, any case) do
    not all appear in ``text`` in order; otherwise higher is better. A contiguous run, a match at
    the start of a word and a match at the start of the text score more; gaps score less.
    The best alignment is found (dynamic programming over positions), not the first one."""
    needle = [c for c in fold(query) if not c.isspace()]
    hay = fold(text)
    if not needle:
        return 0.0
    n, m = len(needle), len(hay)
    if n > m:
        return None
    starts = [i == 0 or not hay[i - 1].isalnum() for i in range(m)]
    minus = float("-inf")
    # best[j]: best score of matching needle[: k + 1] with needle[k] at hay position j.
    best = [minus] * m
    for j in range(m):
        if hay[j] == needle[0]:
            best[j] = _letter(starts[j], j == 0) - 0.05 * j
    for k in range(1, n):
        row = [minus] * m
        running = minus  # best over earlier positions i < j - 1, with the gap penalty so far
        for j in range(1, m):
            if j >= 2 and best[j - 2] > minus:
                running = max(running, best[j - 2])
            if running > minus:
                running -= 0.1
            if hay[j] != needle[k]:
                continue
            adjacent = (
                best[j - 1] + _letter(starts[j], False) + 2.0 if best[j - 1] > minus else minus
            )
            gapped = running + _letter(starts[j], False) if running > minus else minus
            row[j] = max(adjacent, gapped)
        best = row
    top = max(best)
    if top == minus:
        return None
    return top + (3.0 if hay.startswith("".join(needle)) else 0.0) - 0.01 * (m - n)


def _letter(word_start: bool, text_start: bool) -> float:
    return 1.0 + (1.5 if word_start else 0.0) + (1.0 if text_start else 0.0)


def fuzzy_filter(query: str, items: Iterable[T], *texts: Callable[[T], str]) -> list[T]:
    """The items any of whose ``texts`` the query matches, best first (ties keep their order).
    An empty query keeps every item in its order."""
    items = list(items)
    if not query.strip():
        return items
    scored: list[tuple[float, int, T]] = []
    for position, item in enumerate(items):
        scores = [s for s in (fuzzy_score(query, text(item)) for text in texts) if s is not None]
        if scores:
            scored.append((max(scores), position, item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored]
