"""Every value the dashboard shows has its words: each member of each enum (and each OCPP code
Kilowatt knows) has a label, the label went through gettext, and it is not the slug."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pytest

from kilowatt.domain.commands import CommandStatus
from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.faults import FAULTED, STANDARD_CODES
from kilowatt.domain.firmware import PROGRESS
from kilowatt.domain.operations import Operation
from kilowatt.domain.stations import NO_ERROR, RegistrationStatus
from kilowatt.domain.transactions import ReviewFlag, StopReason
from kilowatt.domain.users import Role
from kilowatt.web.kit.states import state_words
from kilowatt.web.kit.words import (
    BOOT_REASONS,
    boot_words,
    error_notes,
    error_words,
    explanation,
    firmware_words,
    role_words,
    stop_words,
)
from kilowatt.web.operator.rows.commands import operation_words, status_words
from kilowatt.web.operator.rows.stations import registration_words
from kilowatt.web.operator.rows.transactions import flag_words

Words = Callable[[Callable[[str], str]], dict[str, str]]


def marked(message: str) -> str:
    """A gettext that shows it was asked: each label must come back through it."""
    return "«" + message + "»"


def slug(text: str) -> bool:
    """snake_case or CamelCase, as codes are written ("Faulted" or "Accepted" are words)."""
    return "_" in text or bool(re.fullmatch(r"[A-Za-z]+", text) and text[1:] != text[1:].lower())


CASES: list[tuple[str, Words, Iterable[str]]] = [
    ("stop reasons", stop_words, [r.value for r in StopReason]),
    ("error codes", error_words, [*STANDARD_CODES, NO_ERROR]),
    ("error explanations", error_notes, list(STANDARD_CODES)),
    ("boot reasons", boot_words, BOOT_REASONS),
    ("firmware states", firmware_words, ["Idle", *PROGRESS]),
    ("roles", role_words, [r.value for r in Role]),
    ("review flags", flag_words, [f.value for f in ReviewFlag]),
    ("commands", operation_words, [o.value for o in Operation]),
    ("command outcomes", status_words, [s.value for s in CommandStatus]),
    ("registrations", registration_words, [s.value for s in RegistrationStatus]),
    ("connector states", state_words, [s.value for s in ConnectorState]),
]


@pytest.mark.parametrize(("what", "words", "values"), CASES, ids=[c[0] for c in CASES])
def test_every_value_has_translated_words(what: str, words: Words, values: Iterable[str]) -> None:
    labels = words(marked)
    for value in values:
        assert value in labels, f"{what}: {value!r} has no words"
        label = labels[value]
        assert label.startswith("«"), f"{label!r} skipped gettext"
        assert label.endswith("»"), f"{label!r} skipped gettext"
        plain = label.strip("«»")
        assert plain, f"{what}: {value!r} has empty words"
        assert not slug(plain), f"{what}: {value!r} is shown as a slug, {plain!r}"


def test_an_explanation_is_translated_only_when_it_is_ocpp_s_own() -> None:
    code = "GroundFailure"
    standard = STANDARD_CODES[code]
    assert explanation(code, standard, marked) == "«" + standard + "»"
    # the organization's dictionary speaks for itself, in its own words
    assert explanation(code, "Call Anna at the depot", marked) == "Call Anna at the depot"
    assert explanation("E-4711", "", marked) == ""
    assert FAULTED in error_notes(marked)


def test_the_slug_check_knows_a_slug() -> None:
    for code in ("NoError", "not_authorized", "trigger_message"):
        assert slug(code)
    for words in ("Accepted", "No error", "Over-voltage"):
        assert not slug(words)
