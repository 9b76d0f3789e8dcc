"""Live events of load management: where a site's transformer load stands, and a session's
new limit.

Part of the catalogue of domain/live.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from kilowatt.domain.live_base import EVSE, TRANSACTION, OrganizationLiveEvent, StationLiveEvent
from kilowatt.domain.loads import Reason, RuleState


@dataclass(frozen=True, slots=True)
class SiteLoadChanged(OrganizationLiveEvent):
    """Load management looked at a site again: a load reading arrived, a session began or
    ended, a car's draw changed. Says where the transformer's load stands."""

    topic = "site.load"
    site_id: Annotated[int, "the site (as in /api/v1/sites/{id}/load)"]
    state: Annotated[RuleState, "normal, half_power (above the first line) or hold"]
    load_w: Annotated[int, "the transformer's load in W (measured, or the fallback)"]
    measured: Annotated[bool, "false when no fresh reading: the fallback load is assumed"]
    capacity_w: Annotated[int, "the transformer's capacity in W"]
    budget_w: Annotated[int, "what the sessions may share, in W"]


@dataclass(frozen=True, slots=True)
class SessionLimited(StationLiveEvent):
    """Load management gave a session a new limit and sent it to the station."""

    topic = "session.limit"
    transaction_id: Annotated[int, TRANSACTION]
    evse_id: Annotated[int, EVSE]
    limit_a: Annotated[float, "amperes per phase (0: paused)"]
    reason: Annotated[Reason, "why: shared, at_max, car_draws_less, half_power, held, no_room"]
