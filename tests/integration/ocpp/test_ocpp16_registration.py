"""OCPP 1.6 registration rules through real WebSockets: who may connect, with which
subprotocol, what a Pending station may do, and what a second connection does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ocpp.exceptions import SecurityError
from ocpp.v16 import call
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import Ids, register_station
from tests.support.ocpp16 import charge_point, exchange, raw_socket
from tests.support.server import RunningServer


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.05)


async def refused_status(url: str, **kwargs: Any) -> InvalidStatus:
    """Open a WebSocket that the server must refuse; return the refusal."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, open_timeout=10, **kwargs):
            pass
    return refused.value


def station_online(api: httpx.Client, station: str) -> bool:
    response = api.get(f"/stations/{station}")
    assert response.status_code == 200, response.text
    return bool(response.json()["online"])


# Unknown stations -------------------------------------------------------------------------


async def test_unknown_station_is_refused_at_the_handshake_with_404(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station("UNKNOWN")
    refusal = await refused_status(f"{server.ocpp_url}/{station}", subprotocols=["ocpp1.6"])
    assert refusal.response.status_code == 404
    body = json.loads(refusal.response.body or b"{}")
    assert body["error"] == "unknown_station"
    # Refusing is all it does: nothing is registered.
    assert api.get(f"/stations/{station}").status_code == 404


async def test_pending_policy_registers_unknown_station_and_operator_accepts_it(
    pending_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("PEND")
    with pending_server.api() as api:
        async with charge_point(pending_server.ocpp_url, station) as cp:
            listed = api.get("/stations", params={"registration_status": "Pending", "q": station})
            assert listed.status_code == 200, listed.text
            assert [s["ocpp_id"] for s in listed.json()["items"]] == [station]
            assert listed.json()["items"][0]["registration_status"] == "Pending"

            boot = await cp.boot()
            assert boot.status == "Pending"
            assert boot.interval == pending_server.settings.pending_retry_interval
            assert boot.interval > 0

            # Until accepted, anything but BootNotification is refused as a security matter.
            with pytest.raises(SecurityError):
                await cp.call(call.Heartbeat(), suppress=False)
            with pytest.raises(SecurityError):
                await cp.call(
                    call.StatusNotification(
                        connector_id=1, error_code="NoError", status="Available"
                    ),
                    suppress=False,
                )
            # The refused status report changed nothing.
            assert api.get(f"/stations/{station}/connectors").json() == []

            patched = api.patch(f"/stations/{station}", json={"registration_status": "Accepted"})
            assert patched.status_code == 200, patched.text
            assert patched.json()["registration_status"] == "Accepted"

            trigger = await cp.wait_for_call("TriggerMessage")
            assert trigger["requestedMessage"] == "BootNotification"

            boot = await cp.boot()
            assert boot.status == "Accepted"
            assert boot.interval == pending_server.settings.heartbeat_interval
            heartbeat = await cp.call(call.Heartbeat(), suppress=False)
            assert heartbeat.current_time
            status = await cp.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status="Available"),
                suppress=False,
            )
            assert status is not None

        still_pending = api.get(
            "/stations", params={"registration_status": "Pending", "q": station}
        ).json()["items"]
        assert still_pending == []
        detail = api.get(f"/stations/{station}").json()
        assert detail["registration_status"] == "Accepted"
        assert [(c["evse_id"], c["status"]) for c in detail["connectors"]] == [(1, "Available")]

        # The CSMS's own CALL and the station's answer are in the message log.
        def trigger_logged() -> list[tuple[str, int]]:
            items = api.get(
                f"/stations/{station}/messages", params={"action": "TriggerMessage"}
            ).json()["items"]
            return [(m["direction"], m["message_type"]) for m in items] if len(items) == 2 else []

        assert await eventually(trigger_logged) == [("in", 3), ("out", 2)]


async def test_pending_station_frames_are_answered_with_security_error(
    pending_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("PENDRAW")
    async with raw_socket(pending_server.ocpp_url, station) as ws:
        reply = await exchange(ws, '[2,"hb-1","Heartbeat",{}]')
        assert reply[:3] == [4, "hb-1", "SecurityError"]
        assert isinstance(reply[3], str)
        assert reply[3]
        assert reply[4] == {}
        boot = await exchange(
            ws,
            '[2,"boot-1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]',
        )
        assert boot[:2] == [3, "boot-1"]
        assert boot[2]["status"] == "Pending"
        assert boot[2]["interval"] == pending_server.settings.pending_retry_interval


async def test_accept_policy_accepts_unknown_station_at_once(
    accepting_server: RunningServer, ids: Ids
) -> None:
    station = ids.station("AUTO")
    with accepting_server.api() as api:
        async with charge_point(accepting_server.ocpp_url, station) as cp:
            boot = await cp.boot()
            assert boot.status == "Accepted"
            assert boot.interval == accepting_server.settings.heartbeat_interval
            heartbeat = await cp.call(call.Heartbeat(), suppress=False)
            assert heartbeat.current_time

        listed = api.get("/stations", params={"q": station}).json()["items"]
        assert [(s["ocpp_id"], s["registration_status"]) for s in listed] == [(station, "Accepted")]
        assert listed[0]["vendor"] == "TestVendor"
        pending = api.get(
            "/stations", params={"registration_status": "Pending", "q": station}
        ).json()["items"]
        assert pending == []


# Subprotocols -----------------------------------------------------------------------------


async def test_no_subprotocol_offered_is_refused_with_400(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    refusal = await refused_status(f"{server.ocpp_url}/{station}")
    assert refusal.response.status_code == 400
    assert json.loads(refusal.response.body or b"{}")["error"] == "unsupported_subprotocol"


async def test_only_unknown_versions_offered_is_refused_with_400(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    refusal = await refused_status(
        f"{server.ocpp_url}/{station}", subprotocols=["ocpp1.5", "ocpp2.1.9"]
    )
    assert refusal.response.status_code == 400
    assert json.loads(refusal.response.body or b"{}")["error"] == "unsupported_subprotocol"


@pytest.mark.parametrize(
    ("offered", "chosen", "version"),
    [
        (("ocpp1.6",), "ocpp1.6", "1.6"),
        (("ocpp2.0.1",), "ocpp2.0.1", "2.0.1"),
        (("ocpp1.6", "ocpp2.0.1"), "ocpp2.0.1", "2.0.1"),
        (("ocpp1.5", "ocpp1.6"), "ocpp1.6", "1.6"),
    ],
)
async def test_the_highest_common_version_is_negotiated(
    server: RunningServer,
    api: httpx.Client,
    ids: Ids,
    offered: tuple[str, ...],
    chosen: str,
    version: str,
) -> None:
    station = ids.station()
    register_station(api, station)
    async with raw_socket(server.ocpp_url, station, subprotocols=offered) as ws:
        assert ws.subprotocol == chosen
        reply = await exchange(ws, '[2,"hb","Heartbeat",{}]')
        assert reply[:2] == [3, "hb"]
        assert set(reply[2]) == {"currentTime"}
    assert api.get(f"/stations/{station}").json()["protocol_version"] == version


# Identity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param("CP%20{}", id="space"),
        pytest.param("CP!{}", id="exclamation"),
        pytest.param("CP%2F{}", id="encoded-slash"),
        pytest.param("caf%C3%A9-{}", id="non-ascii"),
        pytest.param("X" * 41 + "-{}", id="49-characters"),
    ],
)
async def test_invalid_identity_is_refused_with_400(
    server: RunningServer, ids: Ids, identity: str
) -> None:
    refusal = await refused_status(
        f"{server.ocpp_url}/{identity.format(ids.suffix)}", subprotocols=["ocpp1.6"]
    )
    assert refusal.response.status_code == 400
    assert json.loads(refusal.response.body or b"{}")["error"] == "invalid_station_id"


async def test_longest_valid_identity_is_accepted(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = f"K.{ids.suffix}_-~*+@=".ljust(48, "x")
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        boot = await cp.boot()
        assert boot.status == "Accepted"


# Connection lifetime ----------------------------------------------------------------------


async def test_second_connection_replaces_the_first(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    assert station_online(api, station) is False

    async with raw_socket(server.ocpp_url, station) as first:
        assert (await exchange(first, '[2,"a1","Heartbeat",{}]'))[:2] == [3, "a1"]
        await eventually(lambda: station_online(api, station))

        async with charge_point(server.ocpp_url, station) as second:
            # The first socket is closed by the server, normally, with a reason.
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(first.recv(), 10)
            assert first.close_code == 1000
            assert "replaced" in (first.close_reason or "")

            boot = await second.boot()
            assert boot.status == "Accepted"
            heartbeat = await second.call(call.Heartbeat(), suppress=False)
            assert heartbeat.current_time
            # The replaced socket going away does not make the station look offline.
            await asyncio.sleep(0.2)
            assert station_online(api, station) is True
            await second.status(1, "Available")

    await eventually(lambda: not station_online(api, station))
    events = api.get(f"/stations/{station}/events").json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("connected") == 2
    assert kinds.count("disconnected") == 1


async def test_station_is_online_while_connected_and_offline_after(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        await eventually(lambda: station_online(api, station))
        detail = api.get(f"/stations/{station}").json()
        assert detail["connected_at"] is not None
        online = api.get("/stations", params={"online": "true", "q": station}).json()["items"]
        assert [s["ocpp_id"] for s in online] == [station]
    await eventually(lambda: not station_online(api, station))
    offline = api.get("/stations", params={"online": "false", "q": station}).json()["items"]
    assert [s["ocpp_id"] for s in offline] == [station]
