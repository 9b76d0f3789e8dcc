"""The life of a command, whatever the operation: who asked, queued → sent → accepted / rejected /
failed / timed out, one outstanding CALL per station with the rest queued in order, an offline
station refused at once (409), a lost connection, and the listing of a station's commands.
Against real OCPP 1.6 and 2.0.1 clients over real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from ocpp.exceptions import InternalError, NotSupportedError
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from tests.conftest import Ids
from tests.support.commands import (
    MISSING_ID,
    async_api,
    command,
    eventually,
    get_command,
    online16,
    online201,
    outcome,
    post,
    register,
    station_commands,
)
from tests.support.ocpp16 import charge_point
from tests.support.server import ROOT, RunningServer, server_env
from tests.support.station_answers import NEVER, AnswerBook

VERSIONS = ("1.6", "2.0.1")
TRIGGER = {"message": "Heartbeat"}


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def online(
    version: str, server: RunningServer, aapi: httpx.AsyncClient, station: str
) -> contextlib.AbstractAsyncContextManager[Any]:
    return (online16 if version == "1.6" else online201)(server, aapi, station)


def moment(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


# Offline stations --------------------------------------------------------------------------


async def test_a_command_to_a_station_that_is_not_connected_fails_at_once_with_409(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    await register(aapi, station)
    response = await post(aapi, station, "reset", {"type": "soft"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "station_offline"
    assert station in body["detail"]

    [recorded] = (await station_commands(aapi, station))["items"]
    assert (recorded["operation"], recorded["status"], recorded["error"]) == (
        "reset",
        "failed",
        "station is not connected",
    )
    assert recorded["sent_at"] is None
    assert recorded["completed_at"] is not None
    assert recorded["request"] is None
    assert await get_command(aapi, recorded["id"]) == recorded


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_that_went_away_is_offline(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station):
        await command(aapi, station, "clear_cache", {})
    gone = await eventually(
        lambda: post(aapi, station, "clear_cache", {}), lambda r: r.status_code == 409
    )
    assert gone.status_code == 409, gone.text
    statuses = [c["status"] for c in (await station_commands(aapi, station))["items"]]
    assert statuses[0] == "failed"
    assert statuses[-1] == "accepted"


async def test_commands_to_an_unknown_station_or_unknown_commands_are_not_found(
    aapi: httpx.AsyncClient, ids: Ids
) -> None:
    missing = await post(aapi, ids.station("NOWHERE"), "reset", {"type": "soft"})
    assert missing.status_code == 404, missing.text
    assert (await aapi.get(f"/stations/{ids.station('NOWHERE')}/commands")).status_code == 404
    assert (await aapi.get(f"/commands/{MISSING_ID}")).status_code == 404


async def test_wait_and_timeout_are_bounded(aapi: httpx.AsyncClient, ids: Ids) -> None:
    station = ids.station()
    await register(aapi, station)
    for query in ({"wait": -1}, {"wait": 301}, {"timeout": 0}, {"timeout": 601}):
        response = await post(aapi, station, "clear_cache", {}, **query)
        assert response.status_code == 422, (query, response.text)
    assert (await station_commands(aapi, station))["items"] == []


# What the station answers ------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_callerror_fails_the_command_with_its_code(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        cp.answers["Reset"] = NotSupportedError(description="no resets here")
        failed = await command(aapi, station, "reset", {"type": "hard"}, status="failed")
        assert failed["error"] == "station answered NotSupported: no resets here"
        assert failed["response"] == {
            "errorCode": "NotSupported",
            "errorDescription": "no resets here",
        }
        assert failed["action"] == "Reset"
        assert failed["sent_at"] is not None

        cp.answers["ClearCache"] = InternalError(description="disk full")
        failed = await command(aapi, station, "clear_cache", {}, status="failed")
        assert failed["error"] == "station answered InternalError: disk full"

        # The connection is fine afterwards.
        await command(aapi, station, "trigger_message", TRIGGER)


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_station_that_does_not_answer_in_time_times_the_command_out(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        cp.delays["Reset"] = NEVER
        began = time.monotonic()
        silent = await command(
            aapi, station, "reset", {"type": "soft"}, status="timed_out", timeout=1
        )
        assert time.monotonic() - began < 5
        assert silent["error"] == "no answer within 1 s"
        assert silent["timeout"] == 1
        assert silent["response"] is None
        assert silent["sent_at"] is not None

        # A late answer changes nothing; the station can be reached again at once.
        cp.delays["ClearCache"] = 2
        late = await command(aapi, station, "clear_cache", {}, status="timed_out", timeout=1)
        await command(aapi, station, "trigger_message", TRIGGER)
        await asyncio.sleep(1.5)
        assert (await get_command(aapi, late["id"]))["status"] == "timed_out"
        await command(aapi, station, "trigger_message", TRIGGER)


@pytest.mark.parametrize("version", VERSIONS)
async def test_wait_0_answers_202_and_the_outcome_follows(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        cp.delays["Reset"] = 0.5
        response = await post(aapi, station, "reset", {"type": "soft"}, wait=0)
        assert response.status_code == 202, response.text
        running = response.json()
        assert running["status"] in ("queued", "sent")
        assert running["completed_at"] is None

        done = await outcome(aapi, running["id"])
        assert done["status"] == "accepted"
        assert done["response"] == {"status": "Accepted"}
        assert moment(done["created_at"]) <= moment(done["sent_at"])
        assert moment(done["sent_at"]) <= moment(done["completed_at"])

        # Waiting less than the station takes: 202, and the command reads as sent until the
        # station answers.
        cp.delays["ClearCache"] = 3.0
        response = await post(aapi, station, "clear_cache", {}, wait=0.3)
        assert response.status_code == 202, response.text
        assert response.json()["status"] in ("queued", "sent")
        await cp.next_call("ClearCache")
        now = await eventually(
            lambda: get_command(aapi, response.json()["id"]), lambda c: c["status"] != "queued"
        )
        assert now["status"] == "sent"
        assert cp.outstanding == 1
        assert (await outcome(aapi, response.json()["id"]))["status"] == "accepted"


@pytest.mark.parametrize("version", VERSIONS)
async def test_one_outstanding_call_per_station_the_rest_queued_in_order(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        assert isinstance(cp, AnswerBook)
        cp.delays.update({"Reset": 1.0, "ClearCache": 0.3, "TriggerMessage": 0.3})
        first = (await post(aapi, station, "reset", {"type": "soft"}, wait=0)).json()
        await cp.next_call("Reset")
        second = (await post(aapi, station, "clear_cache", {}, wait=0)).json()
        third = (await post(aapi, station, "trigger_message", TRIGGER, wait=0)).json()
        assert (second["status"], third["status"]) == ("queued", "queued")

        # While the station has not answered the first, the others wait. (A read that ends
        # before the station's answer leaves saw the second queued.)
        def first_unanswered() -> bool:
            return cp.actions() == ["Reset"] and cp.outstanding == 1

        checked = 0
        while first_unanswered():
            now_second = await get_command(aapi, second["id"])
            if not first_unanswered():
                break
            assert now_second["status"] == "queued"
            checked += 1
            await asyncio.sleep(0.1)
        assert checked >= 3

        done = [await outcome(aapi, c["id"]) for c in (first, second, third)]
        assert [c["status"] for c in done] == ["accepted"] * 3
        assert cp.actions() == ["Reset", "ClearCache", "TriggerMessage"]
        assert cp.max_outstanding == 1
        sent = [moment(c["sent_at"]) for c in done]
        assert sent == sorted(sent)


async def test_the_test_station_would_notice_a_second_call_while_one_is_outstanding() -> None:
    """The check above can fail: a CSMS that does not wait is caught by ``max_outstanding``."""

    async def careless_csms(websocket: ServerConnection) -> None:
        await websocket.send(json.dumps([2, "one", "Reset", {"type": "Soft"}]))
        await websocket.send(json.dumps([2, "two", "ClearCache", {}]))
        answers = [json.loads(await websocket.recv()) for _ in range(2)]
        assert sorted(a[1] for a in answers) == ["one", "two"]
        await websocket.wait_closed()

    async with serve(careless_csms, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")]) as csms:
        port = next(iter(csms.sockets)).getsockname()[1]
        async with charge_point(f"ws://127.0.0.1:{port}", "CARELESS") as cp:
            cp.delays["Reset"] = 0.3
            await cp.next_call("ClearCache")
            await eventually(lambda: asyncio.sleep(0, cp.outstanding), lambda n: n == 0)
    assert cp.actions() == ["Reset", "ClearCache"]
    assert cp.max_outstanding == 2


@pytest.mark.parametrize("version", VERSIONS)
async def test_commands_sent_at_once_reach_the_station_one_at_a_time(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        cp.delays.update({"ClearCache": 0.2})
        sent = await asyncio.gather(
            *(post(aapi, station, "clear_cache", {}, wait=10) for _ in range(5))
        )
        assert [r.status_code for r in sent] == [200] * 5
        assert [r.json()["status"] for r in sent] == ["accepted"] * 5
        assert cp.actions() == ["ClearCache"] * 5
        assert cp.max_outstanding == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_lost_connection_fails_the_outstanding_command(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, version: str
) -> None:
    station = ids.station()
    async with online(version, server, aapi, station) as cp:
        cp.delays["Reset"] = NEVER
        running = (await post(aapi, station, "reset", {"type": "hard"}, wait=0)).json()
        await cp.next_call("Reset")
        queued = (await post(aapi, station, "clear_cache", {}, wait=0)).json()
        assert queued["status"] == "queued"
    lost = await outcome(aapi, running["id"])
    assert lost["status"] == "failed"
    assert "connection lost" in lost["error"]
    # What was still queued does not wait for a socket that is gone.
    after = await outcome(aapi, queued["id"])
    assert after["status"] == "failed", after
    assert cp.actions() == ["Reset"]


# Who asked, and the listing ------------------------------------------------------------------


async def create_api_key(server: RunningServer, name: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kilowatt",
        "apikey",
        "create",
        "--name",
        name,
        env=server_env(server.settings),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode().strip().splitlines()[-1]


async def test_requested_by_names_the_api_key(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, name = ids.station(), f"operator-{ids.suffix.lower()}"
    secret = await create_api_key(server, name)
    async with (
        httpx.AsyncClient(
            base_url=f"{server.base_url}/api/v1",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=30,
        ) as operator,
        online16(server, aapi, station),
    ):
        mine = await command(operator, station, "clear_cache", {})
        theirs = await command(aapi, station, "clear_cache", {})
    assert mine["requested_by"] == f"api:{name}"
    assert theirs["requested_by"] == "api:tests"
    assert (await get_command(aapi, mine["id"]))["requested_by"] == f"api:{name}"


async def test_a_stations_commands_newest_first_in_pages_and_no_one_elses(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, other = ids.station(), ids.station("OTHER")
    async with online16(server, aapi, station), online201(server, aapi, other):
        mine = [(await command(aapi, station, "trigger_message", TRIGGER))["id"] for _ in range(5)]
        theirs = (await command(aapi, other, "clear_cache", {}))["id"]

    pages: list[list[int]] = []
    cursor: int | None = None
    while True:
        query: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            query["cursor"] = cursor
        page = await station_commands(aapi, station, **query)
        pages.append([c["id"] for c in page["items"]])
        assert all(c["station_id"] == station for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [mine[4:2:-1], mine[2:0:-1], mine[:1]]
    assert [c["id"] for c in (await station_commands(aapi, other))["items"]] == [theirs]


async def test_every_command_is_in_the_stations_message_log(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station()
    async with online201(server, aapi, station):
        done = await command(aapi, station, "reset", {"type": "soft"})

    async def frames() -> list[dict[str, Any]]:
        response = await aapi.get(f"/stations/{station}/messages", params={"action": "Reset"})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    logged = await eventually(frames, lambda items: len(items) == 2)
    by_direction = {m["direction"]: m for m in logged}
    assert by_direction["out"]["frame"][2:] == ["Reset", done["request"]]
    assert by_direction["in"]["frame"][2] == done["response"]
    assert by_direction["in"]["unique_id"] == by_direction["out"]["unique_id"]
