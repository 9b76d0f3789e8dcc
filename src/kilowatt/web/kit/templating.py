"""Jinja2 templates, autoescaped, one environment per app and locale with its gettext
installed. An app's templates are its own folder; the kit's shared ones are reachable from
every app as ``kit/<name>`` (``{% import "kit/_macros.html" as ui with context %}``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from starlette.responses import HTMLResponse

from kilowatt.web.kit.i18n import translations
from kilowatt.web.kit.states import state_words
from kilowatt.web.kit.words import kit_words

KIT_TEMPLATES = Path(__file__).parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


Words = Callable[[Callable[[str], str]], Mapping[str, Any]]
"""An app's globals of its templates in the page's language (given the locale's gettext)."""


class Templates:
    """The templates of one web app: its folder, and the kit's under ``kit/``; ``words``: the
    app's own globals in words (the kit gives every app ``state_words``)."""

    def __init__(self, folder: Path, words: Words | None = None) -> None:
        self.folder = folder
        self.words = words
        self._environments: dict[str, Environment] = {}

    def environment(self, locale: str) -> Environment:
        env = self._environments.get(locale)
        if env is None:
            env = Environment(
                loader=ChoiceLoader(
                    [
                        FileSystemLoader(self.folder),
                        PrefixLoader({"kit": FileSystemLoader(KIT_TEMPLATES)}),
                    ]
                ),
                autoescape=select_autoescape(default=True, default_for_string=True),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
            gettext = translations(locale).gettext
            env.globals["state_words"] = state_words(gettext)
            env.globals.update(kit_words(gettext))
            if self.words is not None:
                env.globals.update(self.words(gettext))
            self._environments[locale] = env
        return env

    def render(
        self,
        locale: str,
        name: str,
        context: dict[str, Any],
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        html = self.environment(locale).get_template(name).render(locale=locale, **context)
        return HTMLResponse(html, status_code=status_code, headers=headers or SECURITY_HEADERS)


def with_map_tiles(tile_url: str) -> dict[str, str]:
    """The security headers of a page that shows the site map: images from the tile server
    too (its origin only)."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return SECURITY_HEADERS
    origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    policy = SECURITY_HEADERS["Content-Security-Policy"] + f"; img-src 'self' data: {origin}"
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}
