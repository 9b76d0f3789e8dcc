"""Storage ports of load management at the stations (domain/load_failsafe.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kilowatt.domain.load_failsafe import StationProfiles
from kilowatt.domain.loads import LoadSettings


@dataclass(frozen=True, slots=True)
class ManagedStation:
    """A station at a site whose load is managed, with what sending it a profile needs."""

    station_id: int
    ocpp_id: str
    organization_id: int
    site_id: int
    online: bool
    settings: LoadSettings


class StationProfileRepository(Protocol):
    async def get(self, station_id: int) -> StationProfiles | None: ...
    async def of_site(self, site_id: int) -> dict[str, StationProfiles]:
        """The records of the site's stations, by OCPP identity."""
        ...

    async def save(self, record: StationProfiles) -> None: ...
    async def managed(self, ocpp_id: str) -> ManagedStation | None:
        """The station, when its site's load is managed (enabled)."""
        ...

    async def managed_at(self, site_id: int) -> list[ManagedStation]:
        """The stations of the site, when its load is managed."""
        ...
