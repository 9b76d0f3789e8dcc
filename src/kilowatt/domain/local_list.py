"""The local authorization list a station keeps, and what to send to bring it up to date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.access import AccessRule, Place, always_allowed
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


def list_status(token: IdToken, now: datetime) -> TokenStatus:
    """The status an offline station should apply: a token past its expiry is Expired,
    whatever its status says (Authorize answers the same)."""
    if token.status is TokenStatus.ACCEPTED and token.expires_at and token.expires_at <= now:
        return TokenStatus.EXPIRED
    return token.status


def entry(token: IdToken, now: datetime, parent_id_tag: str | None = None) -> dict[str, Any]:
    return {
        "status": list_status(token, now).value,
        "type": token.type.value,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "group_id": parent_id_tag,
    }


def desired(
    tokens: Iterable[IdToken],
    now: datetime,
    parents: Mapping[int, str | None] | None = None,
    *,
    place: Place | None = None,
    rules: Iterable[AccessRule] = (),
) -> Entries:
    """The list a station should hold: the tokens that may charge there at any time (every
    token of the organization at a public station; at a private one, those of the groups a
    rule without time windows grants it). A blocked or expired token among them is kept too,
    so that an offline station refuses it rather than falling back to its cache (a token
    past its expiry ``now`` is sent as Expired); an invalid one is left out.

    A token whose group may charge there only in time windows is left out: a list entry
    cannot say when, and a station that finds a token in its list may start at once without
    asking. Left out, it is authorized online, where the windows apply. ``parents`` maps a
    group id to its parent id tag."""
    parents = parents or {}
    rules = list(rules)
    wanted = [
        token
        for token in tokens
        if token.status != TokenStatus.INVALID
        and (place is None or always_allowed(place, token.group_id, rules))
    ]
    return {
        token.value: entry(
            token, now, parents.get(token.group_id) if token.group_id is not None else None
        )
        for token in wanted
    }


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


def is_removal(data: Mapping[str, Any]) -> bool:
    return "status" not in data
