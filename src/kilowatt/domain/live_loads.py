"""Live events of load management: where a site's transformer load stands, a session's new
limit, and its meter going silent and being heard again.

Part of the catalogue of domain/live.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class SiteMeterSilent(OrganizationLiveEvent):
    """A site's meter went silent: no reading for longer than the site's *reading fresh for*,
    so its fallback load is assumed. Raised once per silence; ``site.meter_back`` clears it."""

    topic = "site.meter_silent"
    site_id: Annotated[int, "the site (as in /api/v1/sites/{id}/load)"]
    last_reading_at: Annotated[datetime, "when the last reading was taken (UTC)"]
    fallback_load_w: Annotated[int, "the load assumed meanwhile, in W"]


@dataclass(frozen=True, slots=True)
class SiteMeterBack(OrganizationLiveEvent):
    """A silent site's meter is heard again: a reading arrived after ``site.meter_silent``."""

    topic = "site.meter_back"
    site_id: Annotated[int, "the site (as in /api/v1/sites/{id}/load)"]
    load_w: Annotated[int, "the reading, in W"]
    source: Annotated[str, "where it came from: api, mqtt or ocpp"]
    silent_since: Annotated[datetime, "when the meter had been found silent (UTC)"]
