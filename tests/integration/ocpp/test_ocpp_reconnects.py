"""A station that drops its socket and comes straight back: the new connection is always
served, however the old one ended, and the station's online state stays true.

The race: the old socket is still being read (twenty unanswered StatusNotifications queued
behind each other) when the same station connects again. The server replaces the old
connection, whose client is already gone, so closing it fails; that failure must never cost
the new connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import BACKENDS, Ids, register_station
from tests.support.ocpp16 import exchange, iso
from tests.support.server import RunningServer, start_server, stop_server

ROUNDS = 50


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server that lets a station reconnect as often as these tests make it (by default a
    station connecting in a loop is throttled after 10 connections a minute)."""
    data_dir = Path(tmp_path_factory.mktemp(f"reconnects-{request.param}"))
    running = start_server(str(request.param), data_dir, ocpp_max_connects=10_000)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


def frame(unique_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, unique_id, action, payload])


BOOT = {"chargePointVendor": "Race", "chargePointModel": "Reconnect"}


async def burst_and_drop(url: str, round_no: int) -> None:
    """Boot, fire twenty StatusNotifications without waiting, close (1000) without waiting
    for the server's answer to the close."""
    websocket = await connect(url, subprotocols=["ocpp1.6"], open_timeout=10, close_timeout=0)  # type: ignore[list-item]
    reply = await exchange(websocket, frame(f"b{round_no}", "BootNotification", BOOT))
    assert reply[2]["status"] == "Accepted"
    for n in range(20):
        status = {
            "connectorId": 1 + n % 2,
            "errorCode": "NoError",
            "status": "Available" if n % 3 else "Preparing",
            "timestamp": iso(),
        }
        await websocket.send(frame(f"s{round_no}-{n}", "StatusNotification", status))
    await websocket.close(1000)


def online(api: httpx.Client, station: str) -> bool:
    response = api.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    return bool(response.json()["online"])


async def test_quick_reconnects_never_lose_the_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station("RACE")
    register_station(api, station)
    url = f"{server.ocpp_url}/{station}"
    for round_no in range(ROUNDS):
        await burst_and_drop(url, round_no)
        # At once, as a station with a queue does: the new socket must be served.
        async with connect(url, subprotocols=["ocpp1.6"], open_timeout=10) as again:  # type: ignore[list-item]
            reply = await asyncio.wait_for(
                exchange(again, frame(f"h{round_no}", "Heartbeat", {})), 10
            )
            assert reply[:2] == [3, f"h{round_no}"], f"round {round_no}: {reply}"
            assert online(api, station), f"round {round_no}: the station shows offline"
    # Every connection was also let go: the last close takes the station offline.
    for _ in range(100):
        if not online(api, station):
            break
        await asyncio.sleep(0.1)
    assert not online(api, station)
    assert "WebSocketDisconnect" not in server.log()


async def test_a_command_reaches_the_station_after_a_quick_reconnect(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """The registry holds the live connection, not a dead one: a command is answered."""
    station = ids.station("RACECMD")
    register_station(api, station)
    url = f"{server.ocpp_url}/{station}"
    for round_no in range(5):
        await burst_and_drop(url, round_no)
    async with connect(url, subprotocols=["ocpp1.6"], open_timeout=10) as websocket:  # type: ignore[list-item]
        await exchange(websocket, frame("b", "BootNotification", BOOT))

        async def answer_the_csms() -> list[Any]:
            call = json.loads(await asyncio.wait_for(websocket.recv(), 15))
            await websocket.send(json.dumps([3, call[1], {"status": "Accepted"}]))
            return list(call)

        answering = asyncio.create_task(answer_the_csms())
        response = await asyncio.to_thread(
            api.post, f"/stations/{station}/commands/clear-cache", json={}, params={"wait": 15}
        )
        assert response.status_code in (200, 201, 202), response.text
        received = await answering
        assert received[2] == "ClearCache"
        assert response.json()["status"] == "accepted"
