"""Bring the web apps' gettext catalog up to date with the templates and code
(`make messages`): extract every message into messages.pot, merge it into each language's
messages.po, and, English being the source language, give every English message itself as
its translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "src" / "kilowatt" / "web" / "kit" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"


def pybabel(*args: str) -> None:
    subprocess.run(  # noqa: S603 - our own tool, no shell
        [sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True
    )


def main() -> None:
    pybabel("--quiet", "extract", "-F", "babel.cfg", "--no-location", "-o", str(TEMPLATE), ".")
    pybabel(
        "--quiet", "update", "--no-fuzzy-matching", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS)
    )
    english = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as po:
        catalog = read_po(po, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with english.open("wb") as po:
        write_po(po, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    main()
