"""Several nodes: two ``kilowatt serve`` processes on one PostgreSQL database and one Redis.

A command sent to either node reaches the station on whichever node holds its socket; a
station that reconnects elsewhere is owned there; live events reach every node; a node that
dies leaves no station looking online.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RemoteStartStopStatus
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Ids
from tests.support.ocpp16 import TestChargePoint, exchange, iso, raw_socket
from tests.support.server import (
    RunningCluster,
    RunningServer,
    prepare_database,
    start_cluster,
)

pytestmark = pytest.mark.integration

# Short enough that a dead node is noticed within seconds.
NODE_TTL = 2
SWEEP_INTERVAL = 1


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    running = start_cluster(
        2,
        Path(tmp_path_factory.mktemp("kilowatt-cluster")),
        cluster_node_ttl=NODE_TTL,
        cluster_sweep_interval=SWEEP_INTERVAL,
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def other_org_key(cluster: RunningCluster) -> str:
    """An API key of a second organization."""
    return prepare_database(cluster[0].settings, "Other organization")


def api(node: RunningServer, key: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{node.base_url}/api/v1",
        headers={"Authorization": f"Bearer {key or node.api_key}"},
        timeout=30,
    )


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.1)


async def register(client: httpx.AsyncClient, station: str) -> None:
    response = await client.post(
        "/stations",
        json={
            "ocpp_id": station,
            "connectors": [{"evse_id": 1}, {"evse_id": 2}],
            "security_profile": 0,
        },
    )
    assert response.status_code == 201, response.text


async def online(client: httpx.AsyncClient, station: str) -> bool:
    response = await client.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    return bool(response.json()["online"])


async def transactions(client: httpx.AsyncClient, station: str) -> list[dict[str, Any]]:
    response = await client.get("/transactions", params={"station_id": station})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class RemoteChargePoint(TestChargePoint):  # type: ignore[misc]
    """A 1.6 station that does what it is asked: it accepts RemoteStartTransaction and starts
    a transaction, and accepts RemoteStopTransaction and stops it."""

    __test__ = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started: asyncio.Queue[int] = asyncio.Queue()
        self.stopped: asyncio.Queue[int] = asyncio.Queue()
        self.silent = False
        """Never answer RemoteStartTransaction."""
        self._work: set[asyncio.Task[None]] = set()

    def _later(self, coroutine: Awaitable[None]) -> None:
        # After the answer has gone out: the reading loop is busy until the handler returns.
        task = asyncio.ensure_future(coroutine)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    @on(Action.remote_start_transaction)
    async def on_remote_start_transaction(
        self, id_tag: str, connector_id: int | None = None, **kwargs: Any
    ) -> Any:
        self._note(
            "RemoteStartTransaction",
            {
                "idTag": id_tag,
                "connectorId": connector_id,
                # As the ocpp library hands it over (its keys in snake case).
                "chargingProfile": kwargs.get("charging_profile"),
            },
        )
        if self.silent:
            await asyncio.Event().wait()
        self._later(self._start(connector_id or 1, id_tag))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    async def on_remote_stop_transaction(self, transaction_id: int, **kwargs: Any) -> Any:
        self._note("RemoteStopTransaction", {"transactionId": transaction_id})
        self._later(self._stop(transaction_id))
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)

    async def _start(self, connector: int, id_tag: str) -> None:
        await self.status(connector, "Preparing")
        result = await self.start_tx(connector, id_tag, meter_start=1000)
        await self.status(connector, "Charging")
        await self.started.put(int(result.transaction_id))

    async def _stop(self, transaction_id: int) -> None:
        await self.stop_tx(transaction_id, meter_stop=4500, reason="Remote")
        await self.stopped.put(transaction_id)


@contextlib.asynccontextmanager
async def station_on(node: RunningServer, station: str) -> AsyncIterator[RemoteChargePoint]:
    async with connect(
        f"{node.ocpp_url}/{station}", subprotocols=["ocpp1.6"], open_timeout=10
    ) as websocket:  # type: ignore[list-item]
        point = RemoteChargePoint(station, websocket)
        reader = asyncio.create_task(point.start())
        try:
            boot = await point.boot()
            assert boot.status == "Accepted"
            yield point
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


# A command crosses nodes ------------------------------------------------------------------


async def test_remote_start_and_stop_reach_a_station_on_the_other_node(
    cluster: RunningCluster, ids: Ids
) -> None:
    """The issue's "done when": an API call to node 1 makes a 1.6 station connected to node 2
    start a transaction, which both nodes show, and then stop it."""
    node1, node2 = cluster[0], cluster[1]
    station, tag = ids.station(), ids.tag()
    async with api(node1) as api1, api(node2) as api2:
        await register(api1, station)
        assert (await api1.post("/id-tokens", json={"value": tag})).status_code == 201
        async with station_on(node2, station) as point:
            await eventually(lambda: online(api1, station))

            # Its parameters, a charging profile among them, cross to node 2 whole.
            profile = {
                "id": 5,
                "stack_level": 0,
                "purpose": "tx",
                "kind": "relative",
                "schedules": [{"rate_unit": "A", "periods": [{"start_period": 0, "limit": 16}]}],
            }
            started = await api1.post(
                f"/stations/{station}/commands/remote-start",
                json={"id_tag": tag, "evse_id": 1, "charging_profile": profile},
            )
            assert started.status_code == 200, started.text
            start_command = started.json()
            assert start_command["status"] == "accepted", start_command
            assert start_command["action"] == "RemoteStartTransaction"
            call = await point.wait_for_call("RemoteStartTransaction")
            assert call["idTag"] == tag
            assert call["chargingProfile"]["charging_profile_id"] == 5
            assert start_command["request"]["chargingProfile"] == {
                "chargingProfileId": 5,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                },
            }

            transaction_id = await asyncio.wait_for(point.started.get(), 10)
            for client in (api1, api2):
                listed = await eventually(lambda c=client: transactions(c, station))
                assert [t["id"] for t in listed] == [transaction_id]
                assert listed[0]["state"] == "active"
                assert listed[0]["id_tag"] == tag

            stopped = await api1.post(
                f"/stations/{station}/commands/remote-stop",
                json={"transaction_id": transaction_id},
            )
            assert stopped.status_code == 200, stopped.text
            stop_command = stopped.json()
            assert stop_command["status"] == "accepted", stop_command
            remote_stop = await point.wait_for_call("RemoteStopTransaction")
            assert remote_stop["transactionId"] == transaction_id
            assert await asyncio.wait_for(point.stopped.get(), 10) == transaction_id

            async def completed(client: httpx.AsyncClient) -> bool:
                listed = await transactions(client, station)
                return listed[0]["state"] == "completed" and listed[0]["energy_wh"] == 3500

            await eventually(lambda: completed(api1))
            await eventually(lambda: completed(api2))

        # Both nodes keep the same records of both commands.
        for client in (api1, api2):
            for command in (start_command, stop_command):
                record = (await client.get(f"/commands/{command['id']}")).json()
                assert record["status"] == "accepted"
                assert record["response"] == {"status": "Accepted"}
                assert record["sent_at"] is not None
            listed = (await client.get(f"/stations/{station}/commands")).json()["items"]
            assert {c["id"] for c in listed} == {start_command["id"], stop_command["id"]}


async def test_a_command_to_a_station_connected_nowhere_is_refused_on_every_node(
    cluster: RunningCluster, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    async with api(cluster[0]) as api1, api(cluster[1]) as api2:
        await register(api1, station)
        assert (await api1.post("/id-tokens", json={"value": tag})).status_code == 201
        for client in (api1, api2):
            response = await client.post(
                f"/stations/{station}/commands/remote-start", json={"id_tag": tag}
            )
            assert response.status_code == 409, response.text
            assert response.json()["error"] == "station_offline"

        # Connected to node 2 and gone again: refused again, by node 1 too.
        async with station_on(cluster[1], station):
            await eventually(lambda: online(api1, station))
        await eventually(lambda: _not(online(api1, station)))
        response = await api1.post(
            f"/stations/{station}/commands/remote-start", json={"id_tag": tag}
        )
        assert response.status_code == 409, response.text
        commands = (await api2.get(f"/stations/{station}/commands")).json()["items"]
        assert [c["status"] for c in commands] == ["failed"] * 3


async def _not(value: Awaitable[bool]) -> bool:
    return not await value


# A station moves to the other node --------------------------------------------------------


async def test_a_station_reconnecting_to_the_other_node_is_owned_there(
    cluster: RunningCluster, ids: Ids
) -> None:
    node1, node2 = cluster[0], cluster[1]
    station, tag = ids.station(), ids.tag()
    async with api(node1) as api1, api(node2) as api2:
        await register(api1, station)
        assert (await api1.post("/id-tokens", json={"value": tag})).status_code == 201
        async with raw_socket(node1.ocpp_url, station) as first:
            assert (await exchange(first, '[2,"h1","Heartbeat",{}]'))[:2] == [3, "h1"]
            await eventually(lambda: online(api2, station))

            async with station_on(node2, station) as point:
                # Node 1 closes the old socket, normally, saying why.
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(first.recv(), 10)
                assert first.close_code == 1000
                assert "replaced" in (first.close_reason or "")

                # The old socket's disconnect on node 1 does not take the station offline.
                await asyncio.sleep(1)
                assert await online(api1, station)
                assert await online(api2, station)

                # A command sent through node 1 now reaches the new socket on node 2.
                response = await api1.post(
                    f"/stations/{station}/commands/remote-start",
                    json={"id_tag": tag, "evse_id": 2},
                )
                assert response.status_code == 200, response.text
                assert response.json()["status"] == "accepted"
                assert (await point.wait_for_call("RemoteStartTransaction"))["idTag"] == tag
                await asyncio.wait_for(point.started.get(), 10)

        await eventually(lambda: _not(online(api1, station)))
        events = (await api1.get(f"/stations/{station}/events")).json()["items"]
        kinds = [event["kind"] for event in events]
        assert kinds.count("connected") == 2
        assert kinds.count("disconnected") == 2
        replaced = [e for e in events if e["kind"] == "disconnected" and e["data"].get("replaced")]
        assert len(replaced) == 1


# Live events ------------------------------------------------------------------------------


class EventStream:
    """A client of GET /api/v1/events, reading in the background."""

    def __init__(self, node: RunningServer, key: str) -> None:
        self.client = api(node, key)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.comments: list[str] = []
        self.arrived = asyncio.Event()
        self.subscribed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventStream:
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.subscribed.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._reader is not None
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.client.aclose()

    async def _read(self) -> None:
        async with self.client.stream("GET", "/events", timeout=None) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            topic = ""
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line)
                    self.subscribed.set()
                elif line.startswith("event: "):
                    topic = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.events.append((topic, json.loads(line.removeprefix("data: "))))
                    self.arrived.set()

    async def wait_for(self, topic: str, station: str, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                for name, payload in self.events:
                    if name == topic and payload.get("station") == station:
                        return payload
                self.arrived.clear()
                await self.arrived.wait()

    def stations(self) -> set[str]:
        return {str(payload.get("station")) for _, payload in self.events}


async def test_readings_a_station_gave_another_node_are_not_stored_again_when_it_returns(
    cluster: RunningCluster, ids: Ids
) -> None:
    """Node 1 remembers the newest reading it stored for a station; while the station was on
    node 2, node 2 stored later ones. Back on node 1, a replay of those is checked against
    the database (the connect made node 1 forget), so each reading is stored once."""
    node1, node2 = cluster[0], cluster[1]
    station, tag = ids.station(), ids.tag()
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    minute = [iso(base + timedelta(minutes=m)) for m in range(4)]
    async with api(node1) as api1:
        await register(api1, station)
        assert (await api1.post("/id-tokens", json={"value": tag})).status_code == 201
        async with station_on(node1, station) as point:
            started = await point.start_tx(1, tag, 1_000, minute[0])
            tx = int(started.transaction_id)
            await point.meter(1, tx, 1_100, minute[1])
        async with station_on(node2, station) as point:
            await point.meter(1, tx, 1_200, minute[2])
        async with station_on(node1, station) as point:
            await point.meter(1, tx, 1_200, minute[2])  # its answer was lost on node 2
            await point.meter(1, tx, 1_300, minute[3])
        readings = (await api1.get(f"/transactions/{tx}")).json()["meter_values"]
    energy = sorted(m["timestamp"] for m in readings if m["measurand"].startswith("Energy"))
    assert len(energy) == len(set(energy)) == 3


async def test_live_events_of_a_station_on_node_2_reach_subscribers_of_node_1(
    cluster: RunningCluster, other_org_key: str, ids: Ids
) -> None:
    node1, node2 = cluster[0], cluster[1]
    ours, theirs = ids.station("OURS"), ids.station("THEIRS")
    async with api(node1) as api1, api(node1, other_org_key) as other:
        await register(api1, ours)
        await register(other, theirs)
        async with (
            station_on(node2, ours) as our_point,
            station_on(node2, theirs) as their_point,
            EventStream(node1, node1.api_key) as our_stream,
            EventStream(node1, other_org_key) as their_stream,
        ):
            # The other organization's station speaks first: had its event been let through,
            # it would be in our stream before ours.
            await their_point.status(1, "Preparing")
            await their_stream.wait_for("connector.status", theirs)
            await our_point.status(1, "Preparing")

            event = await our_stream.wait_for("connector.status", ours)
            assert event == {
                "station": ours,
                "evse_id": 1,
                "connector_id": 1,
                "status": "Preparing",
                "state": "preparing",
                "error_code": "NoError",
            }
            assert our_stream.stations() == {ours}
            assert theirs in their_stream.stations()
            assert ours not in their_stream.stations()


# A node dies ------------------------------------------------------------------------------


@pytest.fixture
def doomed_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """A cluster of its own, for a test that kills one of its nodes."""
    running = start_cluster(
        2,
        Path(tmp_path_factory.mktemp("kilowatt-cluster-doomed")),
        cluster_node_ttl=NODE_TTL,
        cluster_sweep_interval=SWEEP_INTERVAL,
    )
    try:
        yield running
    finally:
        running.stop()


async def test_a_node_that_dies_leaves_no_station_online_and_no_command_waiting(
    doomed_cluster: RunningCluster, ids: Ids
) -> None:
    node1, node2 = doomed_cluster[0], doomed_cluster[1]
    station, tag = ids.station(), ids.tag()
    async with api(node1) as api1:
        await register(api1, station)
        assert (await api1.post("/id-tokens", json={"value": tag})).status_code == 201
        async with station_on(node2, station) as point:
            await eventually(lambda: online(api1, station))
            # A command through node 1 that the station (on node 2) never answers...
            point.silent = True
            response = await api1.post(
                f"/stations/{station}/commands/remote-start",
                params={"wait": 0, "timeout": 120},
                json={"id_tag": tag},
            )
            assert response.status_code == 202, response.text
            waiting = response.json()["id"]
            await point.wait_for_call("RemoteStartTransaction")

            # ...when node 2 dies. Nobody says goodbye.
            node2.process.send_signal(signal.SIGKILL)
            node2.process.wait(timeout=10)
            killed = time.monotonic()

            # Until its liveness runs out the station still counts as online, but a command
            # finds nobody to take it.
            response = await api1.post(
                f"/stations/{station}/commands/remote-start", json={"id_tag": tag}
            )
            if response.status_code != 409:
                assert response.status_code == 200, response.text
                assert response.json()["status"] == "failed"
                assert "is not running" in response.json()["error"]

            # Node 1 takes the station offline, and fails the waiting command, within seconds.
            await eventually(lambda: _not(online(api1, station)), timeout=15)
            assert time.monotonic() - killed <= NODE_TTL + SWEEP_INTERVAL + 3

            async def failed() -> dict[str, Any] | None:
                command: dict[str, Any] = (await api1.get(f"/commands/{waiting}")).json()
                return command if command["status"] == "failed" else None

            command = await eventually(failed, timeout=15)
            assert "stopped before the station answered" in command["error"]
            assert time.monotonic() - killed <= NODE_TTL + SWEEP_INTERVAL + 3

        response = await api1.post(
            f"/stations/{station}/commands/remote-start", json={"id_tag": tag}
        )
        assert response.status_code == 409, response.text
        events = (await api1.get(f"/stations/{station}/events")).json()["items"]
        assert events[0]["kind"] == "disconnected"
        assert "no longer running" in events[0]["message"]
