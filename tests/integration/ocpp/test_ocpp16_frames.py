"""OCPP-J 1.6 frames no proper client sends: each gets the right CALLERROR (or, when too
big, only its own socket is closed), and the socket and every other station carry on."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.conftest import Ids, register_station
from tests.support.commands import async_api, command, online16
from tests.support.ocpp16 import TestChargePoint, charge_point, exchange, iso, raw_socket
from tests.support.server import RunningServer

STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
START = {"connectorId": 1, "idTag": "FRAMES", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}


def frame(unique_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, unique_id, action, payload])


async def assert_heartbeat(ws: ClientConnection, unique_id: str = "hb-after") -> None:
    """The socket still answers a well-formed CALL."""
    reply = await exchange(ws, frame(unique_id, "Heartbeat", {}))
    assert reply[:2] == [3, unique_id]
    assert set(reply[2]) == {"currentTime"}


def assert_call_error(reply: list[Any], unique_id: str, code: str) -> None:
    assert len(reply) == 5, reply
    assert reply[0] == 4
    assert reply[1] == unique_id
    assert reply[2] == code, reply
    assert isinstance(reply[3], str)
    assert reply[3]
    assert len(reply[3]) <= 255
    assert isinstance(reply[4], dict)


@contextlib.asynccontextmanager
async def bystander(server: RunningServer, api: httpx.Client, ids: Ids) -> AsyncIterator[Any]:
    """Another station connected throughout, checked to be working before and after."""
    station = ids.station("BYSTANDER")
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp
        assert (await cp.call(call.Heartbeat(), suppress=False)).current_time
        started = await cp.start_tx(1, ids.tag("BY"), 0)
        assert isinstance(started.transaction_id, int)


async def still_working(cp: TestChargePoint) -> None:
    assert (await cp.call(call.Heartbeat(), suppress=False)).current_time


# Framing --------------------------------------------------------------------------------


BAD_FRAMES = [
    pytest.param("this is not json", "-1", "FormationViolation", id="not-json"),
    pytest.param('[2, "x1", "Heartbeat", {}', "-1", "FormationViolation", id="truncated-json"),
    pytest.param('{"messageTypeId": 2}', "-1", "FormationViolation", id="object-not-array"),
    pytest.param("[]", "-1", "FormationViolation", id="empty-array"),
    pytest.param('"Heartbeat"', "-1", "FormationViolation", id="string"),
    pytest.param('[7, "mt-7", "Heartbeat", {}]', "mt-7", "FormationViolation", id="type-id-7"),
    pytest.param('["2", "mt-s", "Heartbeat", {}]', "mt-s", "FormationViolation", id="type-id-str"),
    pytest.param('[2, 12345, "Heartbeat", {}]', "-1", "FormationViolation", id="numeric-id"),
    pytest.param(
        '[2, "' + "i" * 37 + '", "Heartbeat", {}]', "-1", "FormationViolation", id="id-37"
    ),
    pytest.param('[2, "short", "Heartbeat"]', "short", "FormationViolation", id="call-3-items"),
    pytest.param('[2, "arr", "Heartbeat", []]', "arr", "FormationViolation", id="payload-array"),
    pytest.param('[2, "num", 42, {}]', "num", "FormationViolation", id="action-number"),
]


@pytest.mark.parametrize(("text", "unique_id", "code"), BAD_FRAMES)
async def test_malformed_frame_gets_formation_violation(
    server: RunningServer, api: httpx.Client, ids: Ids, text: str, unique_id: str, code: str
) -> None:
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other, raw_socket(server.ocpp_url, station) as ws:
        assert_call_error(await exchange(ws, text), unique_id, code)
        await assert_heartbeat(ws)
        await still_working(other)


async def test_malformed_replies_are_ignored(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A CALLRESULT or CALLERROR nobody asked for, or a broken one, is not answered."""
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station) as ws:
        for text in (
            '[3, "nobody-asked", {}]',
            '[4, "nobody-asked", "GenericError", "", {}]',
            "[3]",
            '[4, "x", "GenericError"]',
        ):
            await ws.send(text)
        # The next reply is the Heartbeat's: nothing answered the stray replies.
        await assert_heartbeat(ws)


# Actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "code"),
    [
        pytest.param("FlyToTheMoon", "NotImplemented", id="unknown"),
        pytest.param("heartbeat", "NotImplemented", id="wrong-case"),
        pytest.param("RemoteStartTransaction", "NotSupported", id="csms-initiated"),
        pytest.param("Reset", "NotSupported", id="csms-initiated-reset"),
    ],
)
async def test_action_the_csms_does_not_handle(
    server: RunningServer, api: httpx.Client, ids: Ids, action: str, code: str
) -> None:
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other, raw_socket(server.ocpp_url, station) as ws:
        payload = {"idTag": "X"} if action == "RemoteStartTransaction" else {}
        assert_call_error(await exchange(ws, frame("act-1", action, payload)), "act-1", code)
        await assert_heartbeat(ws)
        await still_working(other)


# Payloads ----------------------------------------------------------------------------------


PAYLOADS = [
    pytest.param(
        "StatusNotification",
        {**STATUS, "connectorId": "one"},
        "TypeConstraintViolation",
        id="wrong-type",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "connectorId": 1.5},
        "TypeConstraintViolation",
        id="float-for-integer",
    ),
    pytest.param("Authorize", {"idTag": "X" * 21}, "TypeConstraintViolation", id="string-too-long"),
    pytest.param(
        "StartTransaction",
        {**START, "timestamp": "yesterday"},
        "TypeConstraintViolation",
        id="bad-date-time",
    ),
    pytest.param(
        "StatusNotification",
        {k: v for k, v in STATUS.items() if k != "errorCode"},
        "OccurenceConstraintViolation",
        id="missing-required",
    ),
    pytest.param("Authorize", {}, "OccurenceConstraintViolation", id="empty-payload"),
    pytest.param(
        "StatusNotification",
        {**STATUS, "colour": "blue"},
        "FormationViolation",
        id="additional-property",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "status": "Sleeping"},
        "PropertyConstraintViolation",
        id="bad-enum",
    ),
    pytest.param(
        "StartTransaction",
        {**START, "connectorId": 0},
        "PropertyConstraintViolation",
        id="start-on-connector-0",
    ),
    pytest.param(
        "StartTransaction",
        {**START, "connectorId": -1},
        "PropertyConstraintViolation",
        id="negative-connector",
    ),
]


@pytest.mark.parametrize(("action", "payload", "code"), PAYLOADS)
async def test_bad_payload_gets_the_right_call_error(
    server: RunningServer,
    api: httpx.Client,
    ids: Ids,
    action: str,
    payload: dict[str, Any],
    code: str,
) -> None:
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other, raw_socket(server.ocpp_url, station) as ws:
        assert_call_error(await exchange(ws, frame("bad-1", action, payload)), "bad-1", code)
        await assert_heartbeat(ws)
        await still_working(other)
    # Nothing half-written: a refused StartTransaction created no transaction.
    assert api.get("/transactions", params={"station_id": station}).json()["items"] == []
    assert all(c["status"] == "Unknown" for c in api.get(f"/stations/{station}/connectors").json())


async def test_start_transaction_on_connector_0_creates_nothing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station) as ws:
        reply = await exchange(ws, frame("c0", "StartTransaction", {**START, "connectorId": 0}))
        assert_call_error(reply, "c0", "PropertyConstraintViolation")
        assert "connectorId" in reply[3]
        good = await exchange(ws, frame("c1", "StartTransaction", START))
        assert good[:2] == [3, "c1"]
        assert isinstance(good[2]["transactionId"], int)
    found = api.get("/transactions", params={"station_id": station}).json()["items"]
    assert [t["id"] for t in found] == [good[2]["transactionId"]]


# Size and encoding -------------------------------------------------------------------------


async def test_oversized_frame_closes_only_that_socket(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    limit = server.settings.ocpp_max_message_bytes
    assert limit == 4 * 1024 * 1024
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other:
        async with raw_socket(server.ocpp_url, station) as ws:
            await assert_heartbeat(ws, "before")
            padding = "x" * (limit + 1)
            await ws.send(frame("big", "DataTransfer", {"vendorId": "V", "data": padding}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009
        await still_working(other)
        # The station itself may come straight back.
        async with raw_socket(server.ocpp_url, station) as again:
            await assert_heartbeat(again, "back")


async def test_frame_just_under_the_limit_is_handled(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    limit = server.settings.ocpp_max_message_bytes
    station = ids.station()
    register_station(api, station)
    empty = frame("near", "DataTransfer", {"vendorId": "V", "data": ""})
    text = frame("near", "DataTransfer", {"vendorId": "V", "data": "y" * (limit - len(empty))})
    assert len(text.encode()) == limit
    async with raw_socket(server.ocpp_url, station) as ws:
        reply = await exchange(ws, text)
        assert reply == [3, "near", {"status": "UnknownVendorId"}]


async def test_binary_frames_are_refused_and_not_handled(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """OCPP-J is text frames: a CALL sent as a binary frame gets a CALLERROR naming the
    reason, and nothing it asks for happens."""
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station) as ws:
        status = await exchange(ws, frame("bin-2", "StatusNotification", STATUS).encode())
        assert_call_error(status, "bin-2", "FormationViolation")
        assert "binary" in status[3]
        broken = await exchange(ws, b"\xff\xfe not json")
        assert_call_error(broken, "-1", "FormationViolation")
        await assert_heartbeat(ws)
    connectors = api.get(f"/stations/{station}/connectors").json()
    assert [c["status"] for c in connectors if c["evse_id"] == 1] == ["Unknown"]


async def test_a_half_megabyte_get_configuration_answer_is_taken(
    server: RunningServer, ids: Ids
) -> None:
    """A large 1.6 station's full GetConfiguration answer (525 kB) fits the frame limit."""
    station = ids.station()
    async with async_api(server) as aapi, online16(server, aapi, station) as cp:
        cp.configuration = {f"Vendor{n:04d}Key": ("v" * 480, bool(n % 2)) for n in range(1_000)}
        answered = await command(aapi, station, "get_configuration", {}, wait=20)
        keys = answered["response"]["configurationKey"]
        assert len(keys) == 1_000
        assert len(json.dumps(answered["response"])) > 500_000


async def test_a_compressed_bomb_is_refused_fast(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A frame that inflates past the limit closes its socket (1009) as soon as the limit is
    passed, however small it was on the wire, and only that socket."""
    limit = server.settings.ocpp_max_message_bytes
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other:
        async with raw_socket(server.ocpp_url, station, compression="deflate") as ws:
            assert ws.protocol.extensions, "permessage-deflate was not negotiated"
            bomb = frame("bomb", "DataTransfer", {"vendorId": "V", "data": "0" * (25 * limit)})
            started = asyncio.get_running_loop().time()
            await ws.send(bomb)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009
            assert asyncio.get_running_loop().time() - started < 5
        await still_working(other)


async def test_many_bad_frames_in_a_row_then_a_full_session(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A misbehaving station is answered frame by frame and can still charge afterwards."""
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station) as ws:
        for n in range(20):
            await ws.send("garbage" if n % 2 else frame(f"u{n}", "Nope", {}))
        replies = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(20)]
        assert [r[2] for r in replies] == ["NotImplemented", "FormationViolation"] * 10
        assert [r[1] for r in replies[::2]] == [f"u{n}" for n in range(0, 20, 2)]
        started = await exchange(ws, frame("s", "StartTransaction", {**START, "timestamp": iso()}))
        tx_id = started[2]["transactionId"]
        stop = {"transactionId": tx_id, "meterStop": 250, "timestamp": iso()}
        assert await exchange(ws, frame("e", "StopTransaction", stop)) == [3, "e", {}]
    assert api.get(f"/transactions/{tx_id}").json()["energy_wh"] == 250
