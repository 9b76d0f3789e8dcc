"""Storage ports of the monitoring area."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from kilowatt.domain.commands import Command
from kilowatt.domain.monitoring import ConnectorRow, SessionSpan, SiteCard, Totals
from kilowatt.domain.stations import Station
from kilowatt.domain.users import Scope


class MonitoringRepository(Protocol):
    """Reads for site monitoring and the connector page (persistence/repositories/monitoring)."""

    async def site_cards(self, scope: Scope) -> list[SiteCard]: ...
    async def site_connectors(self, site_id: int) -> list[ConnectorRow]: ...
    async def station(self, scope: Scope, station_id: int) -> Station | None: ...
    async def sessions_since(
        self,
        organization_id: int,
        station_ids: Collection[int],
        since: datetime,
        evse: tuple[int, int] | None = None,
    ) -> list[SessionSpan]: ...
    async def connector_totals(
        self, station_id: int, evse_id: int, connector_id: int
    ) -> Totals: ...
    async def recent_sessions(
        self, station_id: int, evse_id: int, connector_id: int, limit: int = 20
    ) -> list[SessionSpan]: ...
    async def profile_commands(
        self, station_ids: Collection[int], limit: int = 500
    ) -> list[Command]: ...
