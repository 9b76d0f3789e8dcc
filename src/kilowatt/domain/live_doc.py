"""docs/events.md, written from the catalogue (domain/live.py): every event's topic, when it is
published, and its fields with their types and meaning.

    python -m kilowatt.domain.live_doc > docs/events.md

A unit test fails when the document and the catalogue disagree.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, get_origin

from kilowatt.domain.live import (
    CATALOGUE,
    LiveEvent,
    OrganizationLiveEvent,
    StationLiveEvent,
    TransactionLifecycle,
)
from kilowatt.domain.live_codec import FieldSpec, fields_of

INTRODUCTION = """\
# Live events

Generated from the catalogue (`src/kilowatt/domain/live.py`) by
`python -m kilowatt.domain.live_doc > docs/events.md`; a unit test fails when this file and
the code disagree.

Services publish an event once what it reports is committed. Every node relays its events to
the others over Redis, so a client of any node sees what happens on all of them.

**Over HTTP.** `GET /api/v1/events` (an API key) and the dashboard's `GET /live` (a signed-in
operator) are server-sent event streams: each event is an `event: <topic>` line and a
`data: <JSON object>` line, with a comment line now and then when nothing happens. A caller sees
the events of the stations in its scope (those of its sites, if it is limited to some) and,
if it sees its whole organization, the organization's own events. Fields are written in the
order below; a field that may be absent says so.

**In the process.** Events are frozen dataclasses; subscribe by type on the bus
(`services/bus.py`): `bus.subscribe(MeterValuesReported, handler)`. A base type subscribes to
all of its kind: `TransactionLifecycle` (started, updated, ended), `StationLiveEvent`,
`OrganizationLiveEvent`, and `LiveEvent` for every event. `domain/live_codec.py` writes an
event as its JSON object and reads it back (`encode`, `decode`).
"""


def render() -> str:
    lines = [INTRODUCTION, "| topic | type | about |", "|---|---|---|"]
    lines += [f"| [`{k.topic}`](#{_anchor(k)}) | `{k.__name__}` | {_about(k)} |" for k in CATALOGUE]
    for kind in CATALOGUE:
        lines += [
            "",
            f"## {kind.topic}",
            "",
            f"`{kind.__name__}`{_family(kind)}. {_prose(kind)}",
            "",
            "| field | type | meaning |",
            "|---|---|---|",
        ]
        lines += [f"| `{s.name}` | {_type(s)} | {s.about} |" for s in fields_of(kind)]
    return "\n".join(lines) + "\n"


def _anchor(kind: type[LiveEvent]) -> str:
    """GitHub's anchor of the event's heading (its topic, without the dot)."""
    return kind.topic.replace(".", "")


def _about(kind: type[LiveEvent]) -> str:
    if issubclass(kind, StationLiveEvent):
        return "a station"
    if issubclass(kind, OrganizationLiveEvent):
        return "an organization"
    raise TypeError(f"{kind.__name__} is about neither a station nor an organization")


def _family(kind: type[LiveEvent]) -> str:
    return ", a `TransactionLifecycle`" if issubclass(kind, TransactionLifecycle) else ""


def _prose(kind: type[LiveEvent]) -> str:
    return " ".join(inspect.cleandoc(kind.__doc__ or "").split()).replace("``", "`")


def _type(spec: FieldSpec) -> str:
    text = _name(spec.hint)
    if spec.absent_when_none:
        return text + "; absent when there is none"
    return text + " or null" if spec.optional else text


def _name(hint: Any) -> str:
    if isinstance(hint, type) and issubclass(hint, Enum):
        return "one of " + ", ".join(f"`{member.value}`" for member in hint)
    names = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        datetime: "date-time (ISO 8601, with its offset)",
    }
    if hint in names:
        return names[hint]
    if get_origin(hint) is Mapping:
        return "object: string → number"
    raise TypeError(f"no description of {hint!r}")


if __name__ == "__main__":
    print(render(), end="")
