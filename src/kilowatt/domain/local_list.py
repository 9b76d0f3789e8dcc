"""The local authorization list a station keeps, and what to send to bring it up to date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.tokens import IdToken, TokenStatus

Entries = dict[str, dict[str, Any]]
"""id tag value → what the station should know of it (status, expiry, group, type)."""


@dataclass(eq=False)
class LocalList:
    """What was last sent to a station and accepted."""

    station_id: int
    version: int
    entries: Entries
    updated_at: datetime
    id: int | None = None


def entry(token: IdToken) -> dict[str, Any]:
    return {
        "status": token.status.value,
        "type": token.type.value,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "group_id": token.group_id,
    }


def desired(tokens: list[IdToken]) -> Entries:
    """Every token that may charge there; a blocked or invalid token is kept in the list too,
    so that an offline station refuses it rather than falling back to its cache."""
    return {token.value: entry(token) for token in tokens if token.status != TokenStatus.INVALID}


@dataclass(frozen=True, slots=True)
class ListUpdate:
    version: int
    full: bool
    changes: Entries
    """For a differential update, an entry without a ``status`` removes the tag (it keeps the
    token's ``type``: a 2.0.1 station keys its list by value and type)."""
    result: Entries


def plan(current: LocalList | None, wanted: Entries, *, full: bool) -> ListUpdate:
    """The next version, and what to send: everything, or only what changed."""
    version = (current.version if current else 0) + 1
    if full or current is None:
        return ListUpdate(version, True, dict(wanted), dict(wanted))
    changes: Entries = {
        tag: data for tag, data in wanted.items() if current.entries.get(tag) != data
    }
    changes.update(
        {
            tag: {"type": data.get("type")}
            for tag, data in current.entries.items()
            if tag not in wanted
        }
    )
    return ListUpdate(version, False, changes, dict(wanted))


def is_removal(data: dict[str, Any]) -> bool:
    return "status" not in data
