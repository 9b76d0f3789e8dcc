"""Every text a person reads goes through gettext. One catalog serves every web app: the .po
files under translations/ (English first; more languages are more folders), read with Babel
when first needed, so that no compiled .mo file lives in the repository.

``make messages`` (scripts/update_catalogs.py) extracts the messages of the kit and every app
(babel.cfg) and merges them into each language's catalog.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).parent / "translations"
DEFAULT_LOCALE = "en"
DOMAIN = "messages"
LANGUAGE_COOKIE = "kilowatt_language"
"""The language a person chose on their account page; without it, the browser's."""


def N_(message: str) -> str:
    """Marks ``message`` for the catalog where it is declared; it is translated where shown."""
    return message


def available() -> list[str]:
    return sorted(
        path.name
        for path in TRANSLATIONS.iterdir()
        if (path / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )


def names() -> list[tuple[str, str]]:
    """Every available locale with its name in its own language ("Suomi", "中文 (简体)")."""
    named = []
    for locale in available():
        name = Locale.parse(locale).get_display_name(locale) or locale
        named.append((locale, name[:1].upper() + name[1:]))
    return named


@cache
def translations(locale: str) -> Translations:
    path = TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


CHINESE = "zh_Hans"
"""Chinese is written in Simplified characters (the folder zh_Hans). Browsers ask for "zh-CN",
"zh-SG" or "zh", which Babel does not match to zh_Hans: every Chinese tag asks for it (a
reader of Traditional characters is served better by it than by English)."""


def _tag(part: str) -> str:
    tag = part.split(";")[0].strip().replace("-", "_")
    if tag.split("_")[0].lower() == "zh":
        return CHINESE
    return tag


def negotiate(accept_language: str | None) -> str:
    """The best available locale for an Accept-Language header."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag = _tag(part)
        if tag and tag != "*":
            wanted.append(tag)
    try:
        chosen = Locale.negotiate(wanted, available(), sep="_")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen) if chosen is not None else DEFAULT_LOCALE


def choose(chosen: str | None, accept_language: str | None) -> str:
    """The locale a person ``chosen`` (LANGUAGE_COOKIE) if there is one by that name, else the
    best for their browser's Accept-Language header."""
    if chosen and chosen in available():
        return chosen
    return negotiate(accept_language)
