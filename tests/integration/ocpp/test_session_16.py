"""A whole OCPP 1.6 charging session through a real WebSocket, checked through the REST API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer

# A few hours ago, as a live station's messages are (a day older would be flagged).
HOUR = (datetime.now(UTC) - timedelta(hours=6)).strftime("%Y-%m-%dT%H")


async def test_session_energy_and_meter_values_reach_the_api(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)

    async with charge_point(server.ocpp_url, station) as cp:
        boot = await cp.boot()
        assert boot.status == "Accepted"
        assert boot.interval == server.settings.heartbeat_interval
        await cp.status(1, "Preparing")
        authorized = await cp.authorize(tag)
        assert authorized.id_tag_info["status"] == "Accepted"
        started = await cp.start_tx(1, tag, 100_000, f"{HOUR}:00:00Z")
        assert started.id_tag_info["status"] == "Accepted"
        transaction_id = started.transaction_id
        assert isinstance(transaction_id, int)

        # Answered only after commit: the API sees the transaction at once.
        live = api.get(f"/transactions/{transaction_id}").json()
        assert live["state"] == "active"
        assert live["station_id"] == station

        await cp.status(1, "Charging")
        for n, wh in enumerate((104_000, 108_000, 112_000), start=1):
            await cp.meter(1, transaction_id, wh, f"{HOUR}:{n * 10:02d}:00Z")
        running = api.get(f"/transactions/{transaction_id}").json()
        assert running["energy_wh"] == 12_000
        stopped = await cp.stop_tx(
            transaction_id, 112_345, f"{HOUR}:45:00Z", reason="EVDisconnected", id_tag=tag
        )
        assert stopped.id_tag_info["status"] == "Accepted"
        await cp.status(1, "Available")

    listed = api.get("/transactions", params={"station_id": station}).json()["items"]
    assert [t["id"] for t in listed] == [transaction_id]
    tx = api.get(f"/transactions/{transaction_id}").json()
    assert tx["energy_wh"] == 12_345
    assert tx["state"] == "completed"
    assert tx["meter_start_wh"] == 100_000
    assert tx["meter_stop_wh"] == 112_345
    assert tx["start_time"] == f"{HOUR}:00:00Z"
    assert tx["stop_time"] == f"{HOUR}:45:00Z"
    assert tx["stop_reason"] == "EVDisconnected"
    assert tx["id_tag"] == tag
    assert tx["flags"] == []
    registers = [m for m in tx["meter_values"] if m["measurand"] == "Energy.Active.Import.Register"]
    assert [m["value"] for m in registers] == [104_000, 108_000, 112_000]
    power = [m for m in tx["meter_values"] if m["measurand"] == "Power.Active.Import"]
    assert {(m["value"], m["unit"]) for m in power} == {(7400.0, "W")}

    detail = api.get(f"/stations/{station}").json()
    assert detail["vendor"] == "TestVendor"
    assert detail["firmware_version"] == "1.2.3"
    assert detail["protocol_version"] == "1.6"
    connector = next(c for c in detail["connectors"] if c["evse_id"] == 1)
    assert connector["status"] == "Available"
