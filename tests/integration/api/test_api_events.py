"""Live events (GET /api/v1/events) beyond those the pages read, through the real edges on
SQLite and PostgreSQL: a 2.0.1 transaction changing its charging state (transaction.updated),
a connector's fault opening and closing (fault.opened, fault.closed), a diagnostics file
arriving (diagnostics.uploaded) and a firmware campaign moving on (firmware.campaign), each
seen by those who may see it. The catalogue: docs/events.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from ocpp.v16 import call as call16

from tests.conftest import Ids
from tests.integration.ocpp.test_connector_states import site_key
from tests.integration.ocpp.test_diagnostics import LOG, put
from tests.integration.ocpp.test_firmware import upload
from tests.support.commands import async_api, command, online16, online201, token
from tests.support.live import LiveEvents
from tests.support.server import RunningServer


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def test_a_201_transaction_is_updated_when_its_charging_state_moves(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, tag = ids.station("UPD"), ids.tag()
    await token(aapi, tag)
    async with LiveEvents(aapi) as live, online201(server, aapi, station) as cp:
        await cp.status(1, 1, "Occupied")
        await cp.transaction_event(
            "Started", "TX-U", 0, "Authorized", 1_000, id_token=tag, charging_state="EVConnected"
        )
        started = await live.wait_for("transaction.started", station=station)
        await cp.transaction_event(
            "Updated", "TX-U", 1, "ChargingStateChanged", 1_200, charging_state="Charging"
        )
        updated = await live.wait_for("transaction.updated", station=station)
        assert updated == {
            "station": station,
            "transaction_id": started["transaction_id"],
            "evse_id": 1,
            "connector_id": 1,
            "id_tag": tag,
            "energy_wh": 200,
            "state": "active",
            "charging_state": "Charging",
        }
        # Energy alone is meter.values, not an update; a duplicate changes nothing.
        await cp.transaction_event("Updated", "TX-U", 2, "MeterValuePeriodic", 1_500)
        await cp.transaction_event(
            "Updated", "TX-U", 1, "ChargingStateChanged", 1_200, charging_state="Charging"
        )
        await live.wait_for("meter.values", station=station, energy_wh=500)
        await cp.transaction_event(
            "Updated", "TX-U", 3, "ChargingStateChanged", 1_600, charging_state="SuspendedEV"
        )
        await live.wait_for("transaction.updated", station=station, charging_state="SuspendedEV")
        await cp.transaction_event(
            "Ended", "TX-U", 4, "EVCommunicationLost", 1_700, stopped_reason="EVDisconnected"
        )
        ended = await live.wait_for("transaction.ended", station=station)
        assert ended["energy_wh"] == 700
    assert live.topics(station, "transaction.") == [
        "transaction.started",
        "transaction.updated",
        "transaction.updated",
        "transaction.ended",
    ]


async def test_a_fault_opens_and_closes_in_the_live_events(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("FLT")
    async with LiveEvents(aapi) as live, online16(server, aapi, station) as cp:
        await cp.status(2, "Faulted", "GroundFailure", vendor_error_code="E12", info="RCD")
        opened = await live.wait_for("fault.opened", station=station)
        [record] = (await aapi.get("/faults", params={"station_id": station})).json()["items"]
        assert opened == {
            "station": station,
            "fault_id": record["id"],
            "evse_id": 2,
            "connector_id": 1,
            "error_code": "GroundFailure",
            "vendor_error_code": "E12",
            "info": "RCD",
            "started_at": opened["started_at"],
        }
        assert datetime.fromisoformat(opened["started_at"]) == datetime.fromisoformat(
            record["started_at"]
        )
        # The same error again is the same fault; a status without it ends it.
        await cp.status(2, "Faulted", "GroundFailure", vendor_error_code="E12", info="RCD")
        await cp.status(2, "Available")
        closed = await live.wait_for("fault.closed", station=station)
        ended = (await aapi.get(f"/faults/{record['id']}")).json()
        assert closed["fault_id"] == record["id"]
        assert closed["error_code"] == "GroundFailure"
        assert datetime.fromisoformat(closed["ended_at"]) == datetime.fromisoformat(
            ended["ended_at"]
        )
    assert live.topics(station, "fault.") == ["fault.opened", "fault.closed"]


async def test_a_diagnostics_file_that_arrives_is_announced_for_its_station(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("DIAGEV")
    async with LiveEvents(aapi) as live, online16(server, aapi, station) as cp:
        await command(aapi, station, "get_diagnostics", {"start": "2025-01-01T00:00:00Z"})
        location = (await cp.next_call("GetDiagnostics"))["location"]
        assert (await put(location, LOG)).status_code == 201
        await cp.call(call16.DiagnosticsStatusNotification(status="Uploaded"))
        await live.wait_for("station.diagnostics_status", station=station, status="Uploaded")
        [uploaded] = live.of("diagnostics.uploaded", station=station)
        [record] = (await aapi.get(f"/stations/{station}/diagnostics")).json()["items"]
        assert uploaded == {
            "station": station,
            "station_id": uploaded["station_id"],
            "upload_id": record["id"],
            "size": len(LOG),
        }


async def test_a_campaign_is_seen_by_those_who_see_the_whole_organization(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station = ids.station("CAMP")
    site = (await aapi.post("/sites", json={"name": f"Campaign {ids.suffix}"})).json()
    limited = await site_key(aapi, site["id"])
    async with (
        online16(server, aapi, station) as cp,
        LiveEvents(aapi) as whole,
        LiveEvents(limited) as some,
    ):
        moved = await aapi.patch(f"/stations/{station}", json={"site_id": site["id"]})
        assert moved.status_code == 200, moved.text
        image = await upload(aapi, f"9.0-{ids.suffix}")
        created = await aapi.post(
            "/firmware-campaigns", json={"firmware_id": image["id"], "station_ids": [station]}
        )
        assert created.status_code == 201, created.text
        await cp.next_call("UpdateFirmware")
        cancelled = await aapi.post(f"/firmware-campaigns/{created.json()['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        event = await whole.wait_for("firmware.campaign", campaign_id=created.json()["id"])
        assert event == {
            "organization_id": event["organization_id"],
            "campaign_id": created.json()["id"],
            "status": "cancelled",
        }
        # The site-limited key sees its station's events, and no organization's.
        await cp.status(1, "Preparing")
        await some.wait_for("connector.status", station=station, status="Preparing")
        assert some.of("firmware.campaign") == []
    await limited.aclose()
