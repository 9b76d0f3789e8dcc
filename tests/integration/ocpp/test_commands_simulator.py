"""Kilowatt's own simulated stations (used by the demo) answer every operation of their version
sensibly: one simulated 1.6 charge point and one 2.0.1 charging station driven through the REST
API over real WebSockets, consequences checked there too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from kilowatt.simulator.station16 import SimulatedStation16, StationProfile
from kilowatt.simulator.station201 import SimulatedStation201
from tests.conftest import Ids
from tests.support.commands import (
    async_api,
    command,
    device_model,
    eventually,
    later,
    register,
    reservation,
    token,
    transaction,
    transactions,
)
from tests.support.server import RunningServer

Station = SimulatedStation16 | SimulatedStation201


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


@contextlib.asynccontextmanager
async def simulated(server: RunningServer, station: str, version: str) -> AsyncIterator[Any]:
    """A simulated station that charges only when told to."""
    profile = StationProfile(
        connectors=2, meter_interval=0.5, session_seconds=600, autonomous=False
    )
    subprotocol = Subprotocol("ocpp1.6" if version == "1.6" else "ocpp2.0.1")
    kind: type[Station] = SimulatedStation16 if version == "1.6" else SimulatedStation201
    async with connect(
        f"{server.ocpp_url}/{station}", subprotocols=[subprotocol], open_timeout=10
    ) as websocket:
        sim = kind(station, websocket, profile)
        running = asyncio.create_task(sim.run())
        try:
            await asyncio.wait_for(sim.accepted.wait(), 10)
            yield sim
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running


async def connector_status(aapi: httpx.AsyncClient, station: str, evse: int) -> str:
    response = await aapi.get(f"/stations/{station}/connectors")
    assert response.status_code == 200, response.text
    status: str = next(c["status"] for c in response.json() if c["evse_id"] == evse)
    return status


async def events(aapi: httpx.AsyncClient, station: str, kind: str) -> list[dict[str, Any]]:
    response = await aapi.get(f"/stations/{station}/events", params={"limit": 200})
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["kind"] == kind]


async def running_transaction(aapi: httpx.AsyncClient, station: str) -> dict[str, Any]:
    found = await eventually(
        lambda: transactions(aapi, station),
        lambda items: any(t["state"] == "active" for t in items),
    )
    return next(t for t in found if t["state"] == "active")


async def completed(aapi: httpx.AsyncClient, transaction_id: int) -> dict[str, Any]:
    return await eventually(
        lambda: transaction(aapi, transaction_id), lambda t: t["state"] == "completed"
    )


def tx_profile(limit: float) -> dict[str, Any]:
    """The same body for a 1.6 and a 2.0.1 station."""
    return {
        "id": 41,
        "stack_level": 1,
        "purpose": "tx",
        "kind": "relative",
        "schedules": [
            {"id": 1, "rate_unit": "A", "periods": [{"start_period": 0, "limit": limit}]}
        ],
    }


async def test_the_simulated_16_charge_point_answers_every_operation(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag, other = ids.station("SIM16"), ids.tag(), ids.tag("OTHER")
    await register(aapi, station)
    await token(aapi, tag)
    await token(aapi, other)
    async with simulated(server, station, "1.6") as sim:
        # Configuration.
        await command(aapi, station, "get_configuration", {})
        keys = {v["variable"] for v in await device_model(aapi, station)}
        assert {"HeartbeatInterval", "SupportedFeatureProfiles", "LocalAuthListEnabled"} <= keys
        await command(
            aapi, station, "change_configuration", {"key": "HeartbeatInterval", "value": "60"}
        )
        assert sim.heartbeat_interval == 60
        await command(
            aapi,
            station,
            "change_configuration",
            {"key": "NumberOfConnectors", "value": "5"},
            status="rejected",
        )
        await command(aapi, station, "trigger_message", {"message": "StatusNotification"})
        await command(aapi, station, "clear_cache", {})

        # Local list.
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        assert tag in sim.local_list
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        version = await command(aapi, station, "get_local_list_version", {})
        assert version["response"] == {"listVersion": 2}

        # A reservation keeps connector 1 for its token, which then starts on it.
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 1}
        )
        reservation_id = made["params"]["reservation_id"]
        assert (await reservation(aapi, reservation_id))["status"] == "active"
        reserved = await eventually(
            lambda: connector_status(aapi, station, 1), lambda s: s == "Reserved"
        )
        assert reserved == "Reserved"
        await command(
            aapi,
            station,
            "reserve_now",
            {"id_tag": other, "expires_at": later(), "evse_id": 1},
            status="rejected",
        )
        await command(
            aapi, station, "remote_start", {"id_tag": other, "evse_id": 1}, status="rejected"
        )
        await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        running = await running_transaction(aapi, station)
        assert (running["id_tag"], running["evse_id"]) == (tag, 1)
        assert running["reservation_id"] == reservation_id
        assert (await reservation(aapi, reservation_id))["status"] == "used"

        # Smart charging on the running transaction.
        await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": tx_profile(10.0)},
        )
        composite = await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 1, "duration": 600, "rate_unit": "A"},
        )
        periods = composite["response"]["chargingSchedule"]["chargingSchedulePeriod"]
        assert periods == [{"startPeriod": 0, "limit": 10.0}]
        assert composite["result"]["schedule"]["periods"] == [{"start_period": 0, "limit": 10.0}]
        assert sim.allowed_power_w(sim.connectors[1]) <= 10 * 230 * 3
        await command(aapi, station, "clear_charging_profile", {"profile_id": 41})
        await command(
            aapi, station, "clear_charging_profile", {"profile_id": 41}, status="rejected"
        )
        await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 2, "charging_profile": tx_profile(10.0)},
            status="rejected",
        )

        await command(aapi, station, "remote_stop", {"transaction_id": running["id"]})
        ended = await completed(aapi, running["id"])
        assert ended["stop_reason"] == "Remote"

        # Cancel, availability, unlock, reset.
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 2}
        )
        await command(
            aapi,
            station,
            "cancel_reservation",
            {"reservation_id": made["params"]["reservation_id"]},
        )
        assert sim.reservations == {}
        await command(aapi, station, "change_availability", {"operative": False, "evse_id": 2})
        await command(aapi, station, "change_availability", {"operative": True, "evse_id": 2})
        await command(aapi, station, "unlock_connector", {"evse_id": 1})
        await command(aapi, station, "reset", {"type": "soft"})
        # It speaks its own vendor's extension (the RCD self-test, simulator/vendor.py), no other.
        await command(aapi, station, "data_transfer", {"vendor_id": "com.acme"}, status="rejected")
        await command(
            aapi,
            station,
            "data_transfer",
            {"vendor_id": "com.kilowatt.simulator", "message_id": "RcdSelfTest"},
        )


async def test_the_simulated_201_station_answers_every_operation(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag, other = ids.station("SIM201"), ids.tag(), ids.tag("OTHER")
    await register(aapi, station)
    await token(aapi, tag)
    await token(aapi, other)
    async with simulated(server, station, "2.0.1") as sim:
        # Variables and reports.
        read = await command(
            aapi,
            station,
            "get_variables",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"},
                    {"component": "NoSuchCtrlr", "variable": "Nothing"},
                ]
            },
        )
        assert [r["attributeStatus"] for r in read["response"]["getVariableResult"]] == [
            "Accepted",
            "UnknownComponent",
        ]
        await command(
            aapi,
            station,
            "set_variables",
            {
                "variables": [
                    {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"}
                ]
            },
        )
        assert sim.heartbeat_interval == 60
        await command(
            aapi,
            station,
            "set_variables",
            {"variables": [{"component": "ChargingStation", "variable": "Model", "value": "X"}]},
            status="rejected",
        )
        await command(aapi, station, "get_base_report", {"report_base": "FullInventory"})
        reported = await eventually(
            lambda: device_model(aapi, station),
            lambda items: any(v["variable"] == "ProfileStackLevel" for v in items),
        )
        model = {(v["component"], v["variable"]): v for v in reported}
        assert model[("ChargingStation", "Model")]["mutability"] == "ReadOnly"
        assert model[("OCPPCommCtrlr", "HeartbeatInterval")]["value"] == "60"
        assert model[("OCPPCommCtrlr", "HeartbeatInterval")]["data_type"] == "integer"
        await command(
            aapi,
            station,
            "get_report",
            {
                "variables": [{"component": "ReservationCtrlr", "variable": "Enabled"}],
                "criteria": ["Available"],
            },
        )
        empty = await command(aapi, station, "get_report", {"criteria": ["Problem"]})
        assert empty["response"] == {"status": "EmptyResultSet"}
        await command(aapi, station, "trigger_message", {"message": "StatusNotification"})
        await command(aapi, station, "clear_cache", {})

        # Local list.
        await command(aapi, station, "send_local_list", {"update_type": "full"})
        assert tag in sim.local_list
        added = ids.tag("NEW")
        await token(aapi, added)
        await command(aapi, station, "send_local_list", {"update_type": "differential"})
        assert added in sim.local_list
        version = await command(aapi, station, "get_local_list_version", {})
        assert version["response"] == {"versionNumber": 2}

        # A reservation keeps EVSE 1 for its token, which then starts on it.
        made = await command(
            aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later(), "evse_id": 1}
        )
        reservation_id = made["params"]["reservation_id"]
        reserved = await eventually(
            lambda: connector_status(aapi, station, 1), lambda s: s == "Reserved"
        )
        assert reserved == "Reserved"
        await command(
            aapi, station, "remote_start", {"id_tag": other, "evse_id": 1}, status="rejected"
        )
        started = await command(aapi, station, "remote_start", {"id_tag": tag, "evse_id": 1})
        running = await running_transaction(aapi, station)
        assert (running["remote_start_id"], running["reservation_id"]) == (
            started["id"],
            reservation_id,
        )
        assert (await reservation(aapi, reservation_id))["status"] == "used"

        # Smart charging on the running transaction.
        await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 1, "charging_profile": tx_profile(10.0)},
        )
        await command(aapi, station, "get_charging_profiles", {"evse_id": 1})
        assert await eventually(
            lambda: events(aapi, station, "charging_profiles"), lambda found: len(found) == 1
        )
        composite = await command(
            aapi,
            station,
            "get_composite_schedule",
            {"evse_id": 1, "duration": 600, "rate_unit": "A"},
        )
        periods = composite["response"]["schedule"]["chargingSchedulePeriod"]
        assert periods == [{"startPeriod": 0, "limit": 10.0}]
        assert composite["result"]["schedule"]["periods"] == [{"start_period": 0, "limit": 10.0}]
        await command(aapi, station, "clear_charging_profile", {"profile_id": 41})
        none = await command(aapi, station, "get_charging_profiles", {})
        assert none["response"] == {"status": "NoProfiles"}
        await command(
            aapi,
            station,
            "set_charging_profile",
            {"evse_id": 2, "charging_profile": tx_profile(10.0)},
            status="rejected",
        )
        await command(aapi, station, "trigger_message", {"message": "TransactionEvent"})
        await command(aapi, station, "trigger_message", {"message": "MeterValues"})

        await command(aapi, station, "remote_stop", {"transaction_id": running["id"]})
        ended = await completed(aapi, running["id"])
        assert ended["stop_reason"] == "Remote"

        # Display messages.
        message = {
            "id": 3,
            "priority": "NormalCycle",
            "message": {"format": "UTF8", "content": "Welcome"},
        }
        await command(aapi, station, "set_display_message", {"message": message})
        await command(aapi, station, "get_display_messages", {"ids": [3]})
        assert await eventually(
            lambda: events(aapi, station, "display_messages"), lambda found: len(found) == 1
        )
        await command(aapi, station, "clear_display_message", {"id": 3})
        await command(aapi, station, "get_display_messages", {}, status="rejected")

        # A reservation the station lets expire; one cancelled.
        soon = datetime.now(UTC) + timedelta(seconds=2)
        lapsing = await command(
            aapi,
            station,
            "reserve_now",
            {"id_tag": tag, "expires_at": soon.isoformat(), "evse_id": 2},
        )
        expired = await eventually(
            lambda: reservation(aapi, lapsing["params"]["reservation_id"]),
            lambda r: r["status"] == "expired",
        )
        assert expired["status"] == "expired"
        assert await eventually(
            lambda: events(aapi, station, "reservation"), lambda found: len(found) == 1
        )
        made = await command(aapi, station, "reserve_now", {"id_tag": tag, "expires_at": later()})
        await command(
            aapi,
            station,
            "cancel_reservation",
            {"reservation_id": made["params"]["reservation_id"]},
        )
        assert sim.reservations == {}

        await command(aapi, station, "change_availability", {"operative": False, "evse_id": 2})
        await command(aapi, station, "unlock_connector", {"evse_id": 1})
        await command(aapi, station, "reset", {"type": "soft"})
        await command(aapi, station, "data_transfer", {"vendor_id": "com.acme"}, status="rejected")
