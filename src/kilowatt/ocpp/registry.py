"""Which station is connected to this node, and when each was last heard from."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kilowatt.ocpp.connection import OcppConnection


class ConnectionRegistry:
    def __init__(self) -> None:
        self._connections: dict[str, OcppConnection] = {}
        self._seen: dict[int, datetime] = {}

    def __len__(self) -> int:
        return len(self._connections)

    def get(self, ocpp_id: str) -> OcppConnection | None:
        return self._connections.get(ocpp_id)

    def all(self) -> list[OcppConnection]:
        return list(self._connections.values())

    def register(self, connection: OcppConnection) -> OcppConnection | None:
        """Make ``connection`` the station's connection; returns the one it replaces."""
        previous = self._connections.get(connection.ref.ocpp_id)
        self._connections[connection.ref.ocpp_id] = connection
        return previous if previous is not connection else None

    def unregister(self, connection: OcppConnection) -> bool:
        """Forget ``connection``; False when a newer connection already took its place."""
        if self._connections.get(connection.ref.ocpp_id) is connection:
            del self._connections[connection.ref.ocpp_id]
            return True
        return False

    def seen(self, station_id: int, at: datetime) -> None:
        self._seen[station_id] = at

    def take_seen(self) -> dict[int, datetime]:
        seen, self._seen = self._seen, {}
        return seen
