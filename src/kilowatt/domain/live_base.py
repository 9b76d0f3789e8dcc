"""The bases of every live event (domain/live.py holds the catalogue): what an event is, and
whether it is about a station or a whole organization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

ABSENT_WHEN_NONE = "absent when none"
"""Field marker: the key is left out of the wire object when the value is None."""

EVSE = "the EVSE (0: the whole station)"
CONNECTOR = "the connector of the EVSE (0 with EVSE 0)"
TRANSACTION = "Kilowatt's id of the transaction (as in /api/v1/transactions)"
ENERGY = "energy delivered so far in Wh (final once ended), null when not known"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """Something that happened, as every node's subscribers see it."""

    topic: ClassVar[str]
    """The wire name of the event (SSE ``event:`` line, Redis relay)."""


@dataclass(frozen=True, slots=True)
class StationLiveEvent(LiveEvent):
    """An event about one station: seen by those whose scope holds the station."""

    station: Annotated[str, "the station's OCPP identity"]


@dataclass(frozen=True, slots=True)
class OrganizationLiveEvent(LiveEvent):
    """An event about an organization as a whole: seen by those who see all of it."""

    organization_id: Annotated[int, "the organization"]
