"""Storage ports of the load management area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.loads import LoadDecision, LoadReading, RuleState, SessionLoad, SiteLoad


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """A running session at a site, with what load management needs of its station."""

    transaction_id: int
    organization_id: int
    station: str
    """The station's OCPP identity."""
    protocol_version: str | None
    online: bool
    evse_id: int
    ocpp_transaction_id: str | None
    start_time: datetime
    number_of_phases: int | None
    max_power_w: int | None
    """The connector's rated power, when known."""
    current_type: str
    """"AC" or "DC"."""
    priority: int = 0
    """Its token's group's load priority (0: no group)."""


class LoadRepository(Protocol):
    async def get(self, site_id: int) -> SiteLoad | None: ...
    async def by_topic(self, topic: str) -> SiteLoad | None:
        """The site whose meter publishes on ``topic`` (load management enabled or not)."""
        ...

    async def save(self, site_load: SiteLoad) -> None:
        """Insert the site's row, or update its settings."""
        ...

    async def set_state(self, site_id: int, state: RuleState, at: datetime) -> None: ...
    async def set_load(self, site_id: int, load_w: int, at: datetime, source: str) -> None:
        """The last reading, unless a later one is already there."""
        ...

    async def meter_stations(self) -> dict[str, int]:
        """Each site meter's station (OCPP identity) → its site, for the stations that are
        still at the site that names them."""
        ...

    async def watched(self) -> list[SiteLoad]:
        """The sites whose load is managed (enabled)."""
        ...

    async def set_silent(self, site_id: int, since: datetime | None) -> bool:
        """Mark the site's meter silent since ``since`` (only if it is not already), or heard
        again (None; only if it was silent): whether this call changed it, so that the alert
        is raised and cleared once even with several nodes."""
        ...

    async def site_of_station(self, ocpp_id: str) -> int | None:
        """The site of the station, when that site's load is managed (enabled)."""
        ...

    async def add_reading(self, reading: LoadReading) -> None: ...
    async def readings(self, site_id: int, limit: int) -> list[LoadReading]:
        """The newest first."""
        ...

    async def sessions(self, site_id: int) -> list[ChargingSession]:
        """The active transactions at the site's stations, oldest first."""
        ...

    async def session_loads(self, site_id: int) -> dict[int, SessionLoad]: ...
    async def session_load(self, transaction_id: int) -> SessionLoad | None: ...
    async def save_session_load(self, load: SessionLoad) -> None: ...
    async def forget_sessions(self, site_id: int, running: set[int]) -> None:
        """Drop the records of the site's sessions that are no longer running."""
        ...

    async def add_decision(self, decision: LoadDecision) -> None: ...
    async def decisions(self, site_id: int, limit: int) -> list[LoadDecision]:
        """The newest first."""
        ...
