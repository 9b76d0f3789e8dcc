"""The pure parts of running several nodes: owners, orphaned stations, and which organization
a live event belongs to (the bus's forwarding: test_bus.py)."""

from __future__ import annotations

import json

import pytest

from kilowatt.domain.firmware import CampaignStatus
from kilowatt.domain.live import (
    ConnectorStatusChanged,
    DeviceModelReported,
    FirmwareCampaignChanged,
    StationOnlineChanged,
)
from kilowatt.domain.ownership import StationOwner, node_of, orphaned, owner_token
from kilowatt.services.live import (
    StationOrganizations,
    organization_of_event,
    server_sent_event,
)

# Owners -----------------------------------------------------------------------------------


def test_an_owner_names_its_node_and_a_connection_of_its_own() -> None:
    first, second = owner_token("node-a"), owner_token("node-a")
    assert first != second
    assert node_of(first) == node_of(second) == "node-a"
    assert owner_token("node-a", "c1") == "node-a/c1"


@pytest.mark.parametrize("owner", [None, "", "no-separator", "/connection-only"])
def test_no_node_can_be_read_from_a_missing_or_malformed_owner(owner: str | None) -> None:
    assert node_of(owner) is None


@pytest.mark.parametrize("node", ["", "a/b"])
def test_a_node_id_cannot_hold_the_separator(node: str) -> None:
    with pytest.raises(ValueError, match="invalid node id"):
        owner_token(node)


def test_stations_of_dead_nodes_and_without_owner_are_orphaned() -> None:
    alive = StationOwner(1, 1, "CP-1", "live/1")
    dead = StationOwner(2, 1, "CP-2", "dead/2")
    unowned = StationOwner(3, 2, "CP-3", None)
    assert orphaned([alive, dead, unowned], {"live"}) == [dead, unowned]
    assert orphaned([alive], {"live", "other"}) == []
    assert dead.node == "dead"


# Which organization an event belongs to ---------------------------------------------------


class Directory:
    """Station identity → organization, counting look-ups."""

    def __init__(self, organizations: dict[str, int]) -> None:
        self.organizations = organizations
        self.lookups: list[str] = []

    async def __call__(self, ocpp_id: str) -> int | None:
        self.lookups.append(ocpp_id)
        return self.organizations.get(ocpp_id)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_events_belong_to_their_stations_organization() -> None:
    directory = Directory({"OURS": 1, "THEIRS": 2})
    organizations = StationOrganizations(directory)
    online = StationOnlineChanged("OURS", online=True)
    assert await organization_of_event(online, organizations) == 1
    assert await organization_of_event(DeviceModelReported("THEIRS", 3), organizations) == 2
    assert await organization_of_event(DeviceModelReported("UNKNOWN", 3), organizations) is None
    campaign = FirmwareCampaignChanged(7, 1, CampaignStatus.COMPLETED)
    assert await organization_of_event(campaign, organizations) == 7


async def test_station_organizations_are_remembered_for_a_while() -> None:
    directory, clock = Directory({"CP": 1}), Clock()
    organizations = StationOrganizations(directory, ttl=60, clock=clock)
    for _ in range(3):
        assert await organizations.of("CP") == 1
    assert directory.lookups == ["CP"]

    clock.now = 61
    directory.organizations["CP"] = 2
    assert await organizations.of("CP") == 2
    assert directory.lookups == ["CP", "CP"]

    organizations.forget("CP")
    assert await organizations.of("CP") == 2
    assert len(directory.lookups) == 3


async def test_station_organizations_forget_the_least_recently_used_first() -> None:
    directory = Directory({"A": 1, "B": 1, "C": 1})
    organizations = StationOrganizations(directory, size=2)
    await organizations.of("A")
    await organizations.of("B")
    await organizations.of("A")  # B is now the least recently used
    await organizations.of("C")
    directory.lookups.clear()
    await organizations.of("A")
    await organizations.of("B")
    assert directory.lookups == ["B"]


def test_an_event_is_written_as_a_server_sent_event() -> None:
    status = ConnectorStatusChanged("CP-1", 1, 1, "Charging", None, "NoError")
    block = server_sent_event(status)
    assert block.endswith(b"\n\n")
    event, data = block.decode().strip().split("\n")
    assert event == "event: connector.status"
    assert json.loads(data.removeprefix("data: ")) == {
        "station": "CP-1",
        "evse_id": 1,
        "connector_id": 1,
        "status": "Charging",
        "error_code": "NoError",
    }
