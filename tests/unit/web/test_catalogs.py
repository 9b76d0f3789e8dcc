"""The translated catalogs: each language covers every message of messages.pot, keeps every
placeholder of its message, fills every plural form, and is really translated (not the English
copied); and a Chinese, Finnish, ... browser gets its language from negotiate()."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from kilowatt.web.kit.i18n import TRANSLATIONS, available, choose, names, negotiate, translations

LANGUAGES = ["fi", "sv", "bg", "zh_Hans"]
PLURALS = {"fi": 2, "sv": 2, "bg": 2, "zh_Hans": 1}

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0-9.]*[a-z]|%[a-z%]|\{[a-z_]+\}|&[a-z]+;")

SAME_EVERYWHERE = frozenset({"Kilowatt", "kWh", "h", "EVSE", "OCPP 1.6 AuthorizationKey"})
"""Messages that read the same in every language (names, units, OCPP's own terms); beyond
them at most MAX_SAME of a catalog (units with placeholders such as "%(value)s kW") may."""
MAX_SAME = 0.03


def _catalog(path: str) -> Catalog:
    with (TRANSLATIONS / path).open("rb") as po:
        return read_po(po)


def _template() -> Catalog:
    return _catalog("messages.pot")


def _language(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def _forms(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def test_the_placeholder_pattern_tells_a_lost_placeholder() -> None:
    assert _placeholders("%(num)d of %(total)s, {name} &amp; %s") == Counter(
        {"%(num)d": 1, "%(total)s": 1, "{name}": 1, "&amp;": 1, "%s": 1}
    )
    assert _placeholders("Sinulla on %(num)s") != _placeholders("You have %(num)d")


def test_every_language_is_available() -> None:
    assert set(available()) == {"en", *LANGUAGES}


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_catalog_translates_every_message_of_the_template(locale: str) -> None:
    catalog = _language(locale)
    template_ids = {message.id for message in _template() if message.id}
    missing = []
    for message_id in sorted(template_ids, key=str):
        message = catalog.get(message_id)
        strings = _forms(message.string) if message is not None else ()
        if message is None or "fuzzy" in message.flags or not all(strings):
            missing.append(message_id)
    assert not missing, f"{len(missing)} untranslated in {locale}: {missing[:10]}"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_translation_keeps_the_placeholders_of_its_message(locale: str) -> None:
    catalog = _language(locale)
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = _forms(message.id)
        for form in _forms(message.string):
            # A plural form keeps the placeholders of the singular or of the plural.
            if all(_placeholders(form) != _placeholders(msgid) for msgid in ids):
                broken.append((message.id, form))
    assert not broken, broken[:10]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_catalog_fills_every_plural_form_of_its_language(locale: str) -> None:
    catalog = _language(locale)
    assert catalog.num_plurals == PLURALS[locale]
    plural = [message for message in catalog if isinstance(message.id, tuple)]
    assert plural
    for message in plural:
        assert len(message.string) == PLURALS[locale], message.id
        assert all(message.string), message.id


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_catalog_is_translated_not_copied_from_english(locale: str) -> None:
    catalog = _language(locale)
    messages = [m for m in catalog if m.id and not isinstance(m.id, tuple)]
    same = [m.id for m in messages if m.string == m.id and m.id not in SAME_EVERYWHERE]
    assert len(same) <= MAX_SAME * len(messages), same


@pytest.mark.parametrize(
    ("locale", "english", "translated"),
    [
        ("fi", "Charging", "Lataa"),
        ("sv", "Charging", "Laddar"),
        ("bg", "Sign in", "Вход"),
        ("zh_Hans", "Sign in", "登录"),
    ],
)
def test_the_gettext_of_a_language_answers_in_it(
    locale: str, english: str, translated: str
) -> None:
    assert translations(locale).gettext(english) == translated
    assert translations("en").gettext(english) == english


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [
        ("fi", "fi"),
        ("fi-FI,fi;q=0.9,en;q=0.8", "fi"),
        ("sv-SE", "sv"),
        ("sv-FI,sv;q=0.9", "sv"),
        ("bg-BG,bg;q=0.9", "bg"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-TW", "zh_Hans"),
        ("en-US,zh-CN;q=0.5", "en"),
        ("de-DE,fi;q=0.5", "fi"),
        ("de-DE", "en"),
        ("en-GB,fi;q=0.5", "en"),
        ("", "en"),
        (None, "en"),
        ("*", "en"),
    ],
)
def test_a_browser_gets_its_language(accept_language: str | None, locale: str) -> None:
    assert negotiate(accept_language) == locale


@pytest.mark.parametrize(
    ("chosen", "accept_language", "locale"),
    [
        ("fi", "en-GB,en;q=0.9", "fi"),
        ("zh_Hans", "fi", "zh_Hans"),
        ("en", "sv-SE", "en"),
        ("", "sv-SE", "sv"),
        (None, "bg", "bg"),
        ("xx", "sv-SE", "sv"),
        ("../en", "bg", "bg"),
    ],
)
def test_a_chosen_language_wins_over_the_browsers_when_there_is_one(
    chosen: str | None, accept_language: str, locale: str
) -> None:
    assert choose(chosen, accept_language) == locale


def test_languages_are_offered_by_their_own_names() -> None:
    assert dict(names()) == {
        "bg": "Български",
        "en": "English",
        "fi": "Suomi",
        "sv": "Svenska",
        "zh_Hans": "中文 (简体)",
    }
