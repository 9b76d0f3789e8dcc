"""A service's refusal reads as words chosen by its code and reason, in the reader's language,
never as the service's English text."""

from __future__ import annotations

import pytest

from kilowatt.domain.errors import (
    AppendOnly,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StationOffline,
    Throttled,
    TooLarge,
)
from kilowatt.web.kit.i18n import available, translations
from kilowatt.web.kit.refusals import TRANSLATED, field_refusal, refusal

english = translations("en").gettext


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (NotFound("user", 7), "There is no such operator."),
        (NotFound("gizmo", 7), "What was asked for does not exist, or it is not yours to see."),
        (
            Conflict("a user with email x already exists", reason="email_taken"),
            "This email address already has an account.",
        ),
        (
            Conflict("anything else"),
            "This cannot be done now: something it depends on is in another state.",
        ),
        (Forbidden("nope"), "Your role or scope does not allow this."),
        (StationOffline("CP1 is not connected"), "The station is not connected."),
        (AppendOnly("audit"), "This record may only be added to, never changed."),
        (TooLarge("big", 1024), "Too much data: at most 1024 bytes."),
        (Throttled("slow down", 30), "Too many attempts: try again in 30 seconds."),
        (InvalidInput("name", "must not be empty"), "This field is required."),
        (InvalidInput("name", "at most 200 characters"), "At most 200 characters."),
        (InvalidInput("latitude", "must be between -90 and 90"), "Enter a number from -90 to 90."),
        (InvalidInput("x", "some sentence of a service"), "This value is not accepted."),
        (InvalidInput("x", "Already in words.", reason=TRANSLATED), "Already in words."),
        (DomainError("who knows"), "This was refused."),
    ],
)
def test_each_kind_and_reason_has_its_words(error: DomainError, words: str) -> None:
    assert refusal(error, english) == words


def test_bad_input_names_its_field_in_the_forms_words() -> None:
    error = InvalidInput("site_ids", "no site 9 in this organization", reason="unknown_site")
    assert field_refusal(error, english, {"site_ids": "site"}) == (
        "site",
        "Choose sites from the list.",
    )
    named = refusal(InvalidInput("name", "at most 5 characters"), english, {"name": "Name"})
    assert named == "Name: At most 5 characters."


@pytest.mark.parametrize("locale", [loc for loc in available() if loc != "en"])
def test_a_refusal_is_translated(locale: str) -> None:
    error = Conflict("the organization's last owner cannot be removed", reason="last_owner")
    words = refusal(error, translations(locale).gettext)
    assert words != refusal(error, english)
    assert "last owner" not in words
