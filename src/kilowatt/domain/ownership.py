"""Which node, and which of its connections, holds a station's socket.

Every ``kilowatt serve`` process is a node with an id of its own, new at each start. A station's
connection is owned by ``"<node id>/<connection id>"``, kept on the station row: a connection
may only take the station offline while it still owns it, so the late disconnect of a replaced
socket (on this node or another one) never hides a newer connection.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass

SEPARATOR = "/"


def new_node_id() -> str:
    return secrets.token_hex(6)


def owner_token(node_id: str, connection_id: str | None = None) -> str:
    """The owner of one connection on one node."""
    if not node_id or SEPARATOR in node_id:
        raise ValueError(f"invalid node id {node_id!r}")
    return f"{node_id}{SEPARATOR}{connection_id or secrets.token_hex(6)}"


def node_of(owner: str | None) -> str | None:
    """The node part of an owner token (None for no owner or a malformed one)."""
    if not owner:
        return None
    node, separator, _ = owner.partition(SEPARATOR)
    return node if separator and node else None


@dataclass(frozen=True, slots=True)
class StationOwner:
    """An online station and the connection that owns it (None: recorded before owners were)."""

    station_id: int
    organization_id: int
    ocpp_id: str
    owner: str | None

    @property
    def node(self) -> str | None:
        return node_of(self.owner)


def orphaned(online: Iterable[StationOwner], live_nodes: Collection[str]) -> list[StationOwner]:
    """The online stations whose owning node is not alive: nobody holds their socket."""
    return [station for station in online if station.node not in live_nodes]
