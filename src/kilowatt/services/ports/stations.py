"""Storage ports of the stations area."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kilowatt.domain.ownership import StationOwner
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import Connector, RegistrationStatus, Station, StatusChange
from kilowatt.domain.users import Scope


@dataclass(frozen=True, slots=True)
class StationFilter:
    site_id: int | None = None
    online: bool | None = None
    registration_status: RegistrationStatus | None = None
    search: str | None = None


class StationRepository(Protocol):
    async def by_ocpp_id(self, ocpp_id: str) -> Station | None:
        """Across organizations: an OCPP identity is unique system-wide."""
        ...

    async def get(self, scope: Scope, ocpp_id: str) -> Station | None:
        """The station, if it is in the scope (of the organization, at one of its sites)."""
        ...

    async def get_by_id(self, station_id: int) -> Station | None: ...
    async def by_ids(self, station_ids: Collection[int], lock: bool = False) -> list[Station]:
        """The stations; with ``lock``, held until the unit of work ends, so that a decision
        read from them (who owns the connection) cannot be overtaken by a concurrent write."""
        ...

    async def search(
        self, scope: Scope, page: PageRequest, where: StationFilter
    ) -> Page[Station]: ...
    async def identities(self, station_ids: set[int]) -> dict[int, str]: ...
    async def count_at_site(self, site_id: int) -> int: ...
    async def add(self, station: Station) -> Station: ...
    async def delete(self, station: Station) -> None: ...
    async def record_presence(self, last_seen: Mapping[int, datetime]) -> None: ...
    async def mark_all_offline(self) -> int: ...
    async def online_owners(self) -> list[StationOwner]:
        """Every online station with the connection that owns it."""
        ...

    async def mark_offline(self, owners: Sequence[StationOwner]) -> list[StationOwner]:
        """Take each station offline if it is still owned by the given owner; returns those
        that were."""
        ...

    async def mark_node_offline(self, node_id: str) -> list[StationOwner]:
        """Take offline every station owned by a connection of the node ``node_id``."""
        ...


class ConnectorRepository(Protocol):
    async def for_station(self, station_id: int) -> list[Connector]: ...
    async def get(self, station_id: int, evse_id: int, connector_id: int) -> Connector | None: ...
    async def add(self, connector: Connector) -> Connector: ...
    async def delete(self, connector: Connector) -> None: ...
    async def add_status_change(self, change: StatusChange) -> None: ...
    async def status_history(
        self, station_id: int, evse_id: int, connector_id: int, page: PageRequest
    ) -> Page[StatusChange]: ...
