"""docs/events.md is generated from the catalogue of live events: it must say what the code
publishes."""

from __future__ import annotations

from pathlib import Path

from kilowatt.domain import live_doc
from kilowatt.domain.live import CATALOGUE

DOC = Path(__file__).resolve().parents[3] / "docs" / "events.md"


def test_the_events_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == live_doc.render(), (
        "regenerate it: python -m kilowatt.domain.live_doc > docs/events.md"
    )


def test_the_document_has_a_section_for_every_event() -> None:
    text = live_doc.render()
    for kind in CATALOGUE:
        assert f"\n## {kind.topic}\n" in text
        assert f"(#{kind.topic.replace('.', '')})" in text
