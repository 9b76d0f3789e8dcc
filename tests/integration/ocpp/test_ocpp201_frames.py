"""OCPP-J 2.0.1 frames and handshakes: subprotocol negotiation, a change of version after a
firmware update, the 2.0.1 error codes (RpcFrameworkError, MessageTypeNotSupported,
FormatViolation, OccurrenceConstraintViolation...), the "-1" rule, the message size limit,
and what a station not yet accepted may send."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import Ids, register_station
from tests.support.ocpp16 import charge_point, raw_socket
from tests.support.ocpp201 import (
    TestChargePoint201,
    charge_point201,
    exchange,
    iso,
    raw_socket201,
)
from tests.support.server import RunningServer

STATUS = {
    "timestamp": "2026-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}
EVENT = {
    "eventType": "Started",
    "timestamp": "2026-01-01T00:00:00Z",
    "triggerReason": "CablePluggedIn",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "frames-tx-1"},
    "evse": {"id": 1, "connectorId": 1},
}


def frame(unique_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, unique_id, action, payload])


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.05)


def assert_call_error(reply: list[Any], unique_id: str, code: str) -> None:
    assert len(reply) == 5, reply
    assert reply[0] == 4
    assert reply[1] == unique_id
    assert reply[2] == code, reply
    assert isinstance(reply[3], str)
    assert reply[3]
    assert len(reply[3]) <= 255
    assert isinstance(reply[4], dict)


async def assert_heartbeat(ws: ClientConnection, unique_id: str = "hb-after") -> None:
    """The socket still answers a well-formed CALL."""
    reply = await exchange(ws, frame(unique_id, "Heartbeat", {}))
    assert reply[:2] == [3, unique_id]
    assert set(reply[2]) == {"currentTime"}


@contextlib.asynccontextmanager
async def bystander(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> AsyncIterator[TestChargePoint201]:
    """Another 2.0.1 station connected throughout, checked to be working before and after."""
    station = ids.station("BYSTANDER")
    register_station(api, station)
    async with charge_point201(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        yield cp
        assert (await cp.heartbeat()).current_time
        answer = await cp.transaction_event("Started", f"by-{ids.suffix}", 0, "CablePluggedIn", 0)
        assert answer.id_token_info is None


def nothing_stored(api: httpx.Client, station: str) -> None:
    """A refused message wrote nothing: no transaction, no connector state, no device model."""
    assert api.get("/transactions", params={"station_id": station}).json()["items"] == []
    assert all(c["status"] == "Unknown" for c in api.get(f"/stations/{station}/connectors").json())
    assert api.get(f"/stations/{station}/device-model").json()["items"] == []


# Handshake ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        pytest.param(["ocpp2.0.1"], "ocpp2.0.1", id="only-201"),
        pytest.param(["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1", id="16-first-still-201"),
        pytest.param(["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1", id="201-first"),
        pytest.param(["ocpp2.1", "ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1", id="newer-offered-too"),
        pytest.param(["ocpp1.5", "ocpp1.6"], "ocpp1.6", id="only-16-known"),
    ],
)
async def test_highest_common_version_is_chosen(
    server: RunningServer, api: httpx.Client, ids: Ids, offered: list[str], chosen: str
) -> None:
    station = ids.station()
    register_station(api, station)
    async with connect(
        f"{server.ocpp_url}/{station}",
        subprotocols=offered,  # type: ignore[arg-type]
        open_timeout=10,
    ) as ws:
        assert ws.subprotocol == chosen
        await assert_heartbeat(ws)
    detail = api.get(f"/stations/{station}").json()
    assert detail["protocol_version"] == chosen.removeprefix("ocpp")


@pytest.mark.parametrize(
    "offered",
    [
        pytest.param(["ocpp2.1"], id="only-21"),
        pytest.param(["ocpp1.5", "ocpp1.2"], id="old-ones"),
        pytest.param(None, id="none"),
    ],
)
async def test_station_offering_no_version_we_speak_is_refused(
    server: RunningServer, api: httpx.Client, ids: Ids, offered: list[str] | None
) -> None:
    station = ids.station()
    register_station(api, station)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"{server.ocpp_url}/{station}",
            subprotocols=offered,  # type: ignore[arg-type]
            open_timeout=10,
        ):
            pass
    assert refused.value.response.status_code == 400
    body = json.loads(refused.value.response.body or b"{}")
    assert body["error"] == "unsupported_subprotocol"
    detail = api.get(f"/stations/{station}").json()
    assert detail["online"] is False
    assert detail["protocol_version"] is None


async def test_station_switching_from_16_to_201_after_a_firmware_update(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp16:
        assert (await cp16.boot()).status == "Accepted"
        started = await cp16.start_tx(1, tag, 1_000, "2026-01-05T08:00:00Z")
        await cp16.stop_tx(started.transaction_id, 2_000, "2026-01-05T09:00:00Z")
    assert api.get(f"/stations/{station}").json()["protocol_version"] == "1.6"

    # New firmware: the station now offers only ocpp2.0.1.
    async with charge_point201(server.ocpp_url, station) as cp:
        boot = await cp.boot("FirmwareUpdate", firmware_version="6.0.0")
        assert boot.status == "Accepted"
        online = api.get(f"/stations/{station}").json()
        assert online["protocol_version"] == "2.0.1"
        assert online["online"] is True
        await cp.transaction_event("Started", "after-update", 0, "CablePluggedIn", 2_000)
        await cp.transaction_event("Ended", "after-update", 1, "EVDeparted", 2_500)

    detail = api.get(f"/stations/{station}").json()
    assert detail["protocol_version"] == "2.0.1"
    assert detail["boot_reason"] == "FirmwareUpdate"
    assert detail["firmware_version"] == "6.0.0"
    connected = api.get(f"/stations/{station}/events", params={"kind": "connected"}).json()
    assert [e["data"]["protocol_version"] for e in connected["items"]] == ["2.0.1", "1.6"]
    # Both transactions, one from each version, are there with their energy.
    found = api.get("/transactions", params={"station_id": station}).json()["items"]
    assert sorted((t["ocpp_transaction_id"], t["energy_wh"]) for t in found) == sorted(
        [(str(started.transaction_id), 1_000), ("after-update", 500)]
    )


async def test_new_201_connection_replaces_an_open_16_one(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station, subprotocols=("ocpp1.6",)) as old:
        await assert_heartbeat(old, "old")
        async with charge_point201(server.ocpp_url, station) as cp:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(old.recv(), 10)
            assert old.close_code == 1000
            assert (await cp.heartbeat()).current_time
            assert api.get(f"/stations/{station}").json()["protocol_version"] == "2.0.1"
            assert api.get(f"/stations/{station}").json()["online"] is True


# Framing -----------------------------------------------------------------------------------


BAD_FRAMES = [
    pytest.param("this is not json", "-1", "RpcFrameworkError", id="not-json"),
    pytest.param('[2, "x1", "Heartbeat", {}', "-1", "RpcFrameworkError", id="truncated-json"),
    pytest.param('{"messageTypeId": 2}', "-1", "RpcFrameworkError", id="object-not-array"),
    pytest.param("[]", "-1", "RpcFrameworkError", id="empty-array"),
    pytest.param('"Heartbeat"', "-1", "RpcFrameworkError", id="string"),
    pytest.param('[2, 12345, "Heartbeat", {}]', "-1", "RpcFrameworkError", id="numeric-id"),
    pytest.param('[2, "", "Heartbeat", {}]', "-1", "RpcFrameworkError", id="empty-id"),
    pytest.param('[2, "' + "i" * 37 + '", "Heartbeat", {}]', "-1", "RpcFrameworkError", id="id-37"),
    pytest.param('[2, "short", "Heartbeat"]', "short", "RpcFrameworkError", id="call-3-items"),
    pytest.param('[2, "num", 42, {}]', "num", "RpcFrameworkError", id="action-number"),
    pytest.param('[2, "arr", "Heartbeat", []]', "arr", "FormatViolation", id="payload-array"),
    pytest.param('[7, "mt-7", "Heartbeat", {}]', "mt-7", "MessageTypeNotSupported", id="type-id-7"),
    pytest.param('[5, "mt-5", "Heartbeat", {}]', "mt-5", "MessageTypeNotSupported", id="type-id-5"),
    pytest.param(
        '["2", "mt-s", "Heartbeat", {}]', "mt-s", "MessageTypeNotSupported", id="type-id-string"
    ),
]


@pytest.mark.parametrize(("text", "unique_id", "code"), BAD_FRAMES)
async def test_malformed_frame_gets_the_201_error(
    server: RunningServer, api: httpx.Client, ids: Ids, text: str, unique_id: str, code: str
) -> None:
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other, raw_socket201(server.ocpp_url, station) as ws:
        assert_call_error(await exchange(ws, text), unique_id, code)
        await assert_heartbeat(ws)
        assert (await other.heartbeat()).current_time


async def test_no_16_spellings_on_a_201_socket(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """1.6 says FormationViolation and OccurenceConstraintViolation; 2.0.1 does not."""
    station = ids.station()
    register_station(api, station)
    async with raw_socket201(server.ocpp_url, station) as ws:
        codes = [
            (await exchange(ws, "nope"))[2],
            (await exchange(ws, frame("f1", "StatusNotification", {**STATUS, "x": 1})))[2],
            (await exchange(ws, frame("f2", "Authorize", {})))[2],
        ]
    assert codes == ["RpcFrameworkError", "FormatViolation", "OccurrenceConstraintViolation"]


async def test_malformed_replies_are_not_answered(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket201(server.ocpp_url, station) as ws:
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
    ("action", "payload", "code"),
    [
        pytest.param("FlyToTheMoon", {}, "NotImplemented", id="unknown"),
        pytest.param("heartbeat", {}, "NotImplemented", id="wrong-case"),
        pytest.param(
            "StartTransaction",
            {"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": iso()},
            "NotImplemented",
            id="16-only-action",
        ),
        pytest.param(
            "RequestStartTransaction",
            {"idToken": {"idToken": "X", "type": "ISO14443"}, "remoteStartId": 1},
            "NotSupported",
            id="csms-initiated-request-start",
        ),
        pytest.param(
            "GetVariables",
            {"getVariableData": [{"component": {"name": "X"}, "variable": {"name": "Y"}}]},
            "NotSupported",
            id="csms-initiated-get-variables",
        ),
        pytest.param("Reset", {"type": "Immediate"}, "NotSupported", id="csms-initiated-reset"),
    ],
)
async def test_action_the_csms_does_not_handle(
    server: RunningServer,
    api: httpx.Client,
    ids: Ids,
    action: str,
    payload: dict[str, Any],
    code: str,
) -> None:
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other, raw_socket201(server.ocpp_url, station) as ws:
        assert_call_error(await exchange(ws, frame("act-1", action, payload)), "act-1", code)
        await assert_heartbeat(ws)
        assert (await other.heartbeat()).current_time
    nothing_stored(api, station)


# Payloads ----------------------------------------------------------------------------------

REPORT = {
    "requestId": 1,
    "generatedAt": "2026-01-01T00:00:00Z",
    "seqNo": 0,
    "reportData": [
        {
            "component": {"name": "ChargingStation"},
            "variable": {"name": "Model"},
            "variableAttribute": [{"value": "M"}],
        }
    ],
}

PAYLOADS = [
    pytest.param(
        "StatusNotification",
        {k: v for k, v in STATUS.items() if k != "evseId"},
        "OccurrenceConstraintViolation",
        id="missing-required",
    ),
    pytest.param("Authorize", {}, "OccurrenceConstraintViolation", id="empty-payload"),
    pytest.param(
        "TransactionEvent",
        {**EVENT, "transactionInfo": {}},
        "OccurrenceConstraintViolation",
        id="nested-missing-required",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "evseId": "one"},
        "TypeConstraintViolation",
        id="wrong-type",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "connectorId": 1.5},
        "TypeConstraintViolation",
        id="float-for-integer",
    ),
    pytest.param(
        "Authorize",
        {"idToken": {"idToken": "X" * 37, "type": "ISO14443"}},
        "TypeConstraintViolation",
        id="string-too-long",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "timestamp": "yesterday"},
        "TypeConstraintViolation",
        id="bad-date-time",
    ),
    pytest.param(
        "TransactionEvent",
        {**EVENT, "seqNo": "0"},
        "TypeConstraintViolation",
        id="seq-no-string",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "colour": "blue"},
        "FormatViolation",
        id="additional-property",
    ),
    pytest.param(
        "TransactionEvent",
        {**EVENT, "transactionInfo": {"transactionId": "t", "extra": 1}},
        "FormatViolation",
        id="nested-additional-property",
    ),
    pytest.param(
        "NotifyReport",
        {**REPORT, "reportData": [{**REPORT["reportData"][0], "extra": True}]},  # type: ignore[index]
        "FormatViolation",
        id="report-additional-property",
    ),
    pytest.param(
        "StatusNotification",
        {**STATUS, "connectorStatus": "Charging"},
        "PropertyConstraintViolation",
        id="16-status-in-201",
    ),
    pytest.param(
        "TransactionEvent",
        {**EVENT, "eventType": "Paused"},
        "PropertyConstraintViolation",
        id="bad-enum",
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
    async with bystander(server, api, ids) as other, raw_socket201(server.ocpp_url, station) as ws:
        assert_call_error(await exchange(ws, frame("bad-1", action, payload)), "bad-1", code)
        await assert_heartbeat(ws)
        assert (await other.heartbeat()).current_time
    # Nothing half-written.
    nothing_stored(api, station)


async def test_good_payloads_after_bad_ones_are_handled(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket201(server.ocpp_url, station) as ws:
        bad = await exchange(ws, frame("b", "TransactionEvent", {**EVENT, "seqNo": -1.5}))
        assert bad[0] == 4
        assert await exchange(ws, frame("s", "StatusNotification", STATUS)) == [3, "s", {}]
        assert await exchange(ws, frame("t", "TransactionEvent", EVENT)) == [3, "t", {}]
        assert await exchange(ws, frame("r", "NotifyReport", REPORT)) == [3, "r", {}]
    found = api.get("/transactions", params={"station_id": station}).json()["items"]
    assert [t["ocpp_transaction_id"] for t in found] == ["frames-tx-1"]
    assert [v["value"] for v in api.get(f"/stations/{station}/device-model").json()["items"]] == [
        "M"
    ]


# Registration ------------------------------------------------------------------------------


async def test_station_not_yet_accepted_gets_security_error(
    pending_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("PEND")
    with pending_server.api() as api:
        async with raw_socket201(pending_server.ocpp_url, station) as ws:
            boot = await exchange(
                ws,
                frame(
                    "boot",
                    "BootNotification",
                    {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}},
                ),
            )
            assert boot[:2] == [3, "boot"]
            assert boot[2]["status"] == "Pending"
            for unique_id, action, payload in (
                ("hb", "Heartbeat", {}),
                ("st", "StatusNotification", STATUS),
                ("tx", "TransactionEvent", EVENT),
                ("au", "Authorize", {"idToken": {"idToken": "X", "type": "ISO14443"}}),
                ("nr", "NotifyReport", REPORT),
            ):
                assert_call_error(
                    await exchange(ws, frame(unique_id, action, payload)),
                    unique_id,
                    "SecurityError",
                )
            # A broken frame is still a framing error, and an unknown action is still unknown.
            assert_call_error(await exchange(ws, "not json"), "-1", "RpcFrameworkError")
            assert_call_error(await exchange(ws, frame("u", "Nope", {})), "u", "NotImplemented")
            # BootNotification may be sent again, and still answers Pending.
            again = await exchange(
                ws,
                frame(
                    "boot2",
                    "BootNotification",
                    {"reason": "Unknown", "chargingStation": {"vendorName": "V", "model": "M"}},
                ),
            )
            assert again[2]["status"] == "Pending"
        detail = api.get(f"/stations/{station}").json()
        assert detail["registration_status"] == "Pending"
        assert detail["protocol_version"] == "2.0.1"
        nothing_stored(api, station)


# Size and encoding -------------------------------------------------------------------------


async def test_oversized_frame_closes_only_that_socket(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    limit = server.settings.ocpp_max_message_bytes
    assert limit == 4 * 1024 * 1024
    station = ids.station()
    register_station(api, station)
    async with bystander(server, api, ids) as other:
        async with raw_socket201(server.ocpp_url, station) as ws:
            await assert_heartbeat(ws, "before")
            padding = "x" * (limit + 1)
            await ws.send(frame("big", "DataTransfer", {"vendorId": "V", "data": padding}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1009
        assert (await other.heartbeat()).current_time
        # The station itself may come straight back.
        async with raw_socket201(server.ocpp_url, station) as again:
            await assert_heartbeat(again, "back")
    assert (
        api.get(f"/stations/{station}/events", params={"kind": "data_transfer"}).json()["items"]
        == []
    )


async def test_frame_at_the_limit_is_handled(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    limit = server.settings.ocpp_max_message_bytes
    station = ids.station()
    register_station(api, station)
    empty = frame("near", "DataTransfer", {"vendorId": "V", "data": ""})
    text = frame("near", "DataTransfer", {"vendorId": "V", "data": "y" * (limit - len(empty))})
    assert len(text.encode()) == limit
    async with raw_socket201(server.ocpp_url, station) as ws:
        assert await exchange(ws, text) == [3, "near", {"status": "UnknownVendorId"}]


async def test_binary_frames_are_refused_and_not_handled(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket201(server.ocpp_url, station) as ws:
        status = await exchange(ws, frame("bin", "StatusNotification", STATUS).encode())
        assert_call_error(status, "bin", "RpcFrameworkError")
        assert "binary" in status[3]
        broken = await exchange(ws, b"\xff\xfe not json")
        assert_call_error(broken, "-1", "RpcFrameworkError")
        await assert_heartbeat(ws)
    connectors = api.get(f"/stations/{station}/connectors").json()
    assert [c["status"] for c in connectors if c["evse_id"] == 1] == ["Unknown"]


async def test_call_errors_are_logged(server: RunningServer, api: httpx.Client, ids: Ids) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket201(server.ocpp_url, station) as ws:
        await exchange(ws, frame("e1", "StatusNotification", {**STATUS, "colour": "blue"}))

    def errors() -> list[dict[str, Any]]:
        items = api.get(f"/stations/{station}/messages", params={"direction": "out"}).json()
        return [m for m in items["items"] if m["message_type"] == 4]

    logged = await eventually(errors)
    assert [(m["unique_id"], m["action"], m["frame"][2]) for m in logged] == [
        ("e1", "StatusNotification", "FormatViolation")
    ]
