"""A station that connects in a loop is throttled per identity, through real WebSockets: after
KILOWATT_OCPP_MAX_CONNECTS connections in the window the next ones are answered 429 with
Retry-After, one security event and one log line report it, and other stations (and normal
reconnects) are not affected. The server runs with the default limits (10 in 60 s)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.conftest import Ids
from tests.support.commands import async_api, register
from tests.support.server import RunningServer

Json = dict[str, Any]
MAX_CONNECTS = 10
BOOT = {"chargePointVendor": "Loop", "chargePointModel": "Flap"}


async def cycle(server: RunningServer, ocpp_id: str, n: int) -> tuple[int, Json]:
    """Connect, boot, close: 101 and the boot answer, or the refusal's status and body (with
    its Retry-After)."""
    try:
        async with connect(
            f"{server.ocpp_url}/{ocpp_id}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            open_timeout=10,
            close_timeout=2,
        ) as websocket:
            await websocket.send(json.dumps([2, f"boot-{n}", "BootNotification", BOOT]))
            reply = json.loads(await asyncio.wait_for(websocket.recv(), 10))
            return 101, reply[2]
    except InvalidStatus as refused:
        response = refused.response
        body = json.loads(response.body or b"{}")
        body["retry_after"] = response.headers.get("Retry-After")
        return response.status_code, body


async def security_events(aapi: httpx.AsyncClient, ocpp_id: str) -> list[Json]:
    response = await aapi.get(f"/stations/{ocpp_id}/events", params={"kind": "security"})
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def test_a_station_connecting_in_a_loop_is_throttled_and_others_are_not(
    server: RunningServer, ids: Ids
) -> None:
    flapper, calm = ids.station("FLAP"), ids.station("CALM")
    async with async_api(server) as aapi:
        await register(aapi, flapper)
        await register(aapi, calm)

        started = time.monotonic()
        outcomes = []
        calm_outcomes = []
        for n in range(100):
            outcomes.append(await cycle(server, flapper, n))
            if n % 25 == 24:  # another station connects fine meanwhile
                calm_outcomes.append(await cycle(server, calm, n))
        elapsed = time.monotonic() - started

        statuses = [status for status, _ in outcomes]
        assert statuses[:MAX_CONNECTS] == [101] * MAX_CONNECTS
        assert all(body["status"] == "Accepted" for _, body in outcomes[:MAX_CONNECTS])
        assert statuses[MAX_CONNECTS:] == [429] * (100 - MAX_CONNECTS), elapsed
        refusal = outcomes[-1][1]
        assert refusal["error"] == "too_many_connections"
        assert 1 <= int(refusal["retry_after"]) <= 30
        assert [status for status, _ in calm_outcomes] == [101] * 4

        # One security event for the block, not one per refused attempt; a log line.
        found = [
            e
            for e in await security_events(aapi, flapper)
            if e["data"].get("reason") == "too_many_connections"
        ]
        assert len(found) == 1
        assert found[0]["data"]["connections"] == MAX_CONNECTS + 1
        assert found[0]["data"]["throttled"] == f"station {flapper}"
        assert 1 <= found[0]["data"]["retry_after"] <= 30
        assert await security_events(aapi, calm) == []
        assert "station connects too often: throttled" in server.log()
        assert flapper in server.log()

        # The station is offline (its last socket closed), not left online by the refusals.
        station = (await aapi.get(f"/stations/{flapper}")).json()
        assert station["online"] is False


async def test_normal_reconnects_keep_working(server: RunningServer, ids: Ids) -> None:
    """A station reconnecting at once after each close, several times in a row, gets in every
    time."""
    ocpp_id = ids.station("RECONNECT")
    async with async_api(server) as aapi:
        await register(aapi, ocpp_id)
    outcomes = [await cycle(server, ocpp_id, n) for n in range(MAX_CONNECTS // 2)]
    assert [status for status, _ in outcomes] == [101] * (MAX_CONNECTS // 2)
