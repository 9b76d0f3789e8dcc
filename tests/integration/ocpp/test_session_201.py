"""A whole OCPP 2.0.1 charging session from an independent client (the ``ocpp`` library's
ChargePoint, not Kilowatt's simulator) through a real WebSocket, checked through the REST API:
it must look exactly like a 1.6 one. And a mixed fleet of 1.6 and 2.0.1 stations at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
from tests.support.ocpp201 import charge_point201, iso
from tests.support.server import RunningServer

# A few hours ago, as a live station's messages are (a day older would be flagged).
HOUR = (datetime.now(UTC) - timedelta(hours=6)).strftime("%Y-%m-%dT%H")


def listed(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/transactions", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def transaction(api: httpx.Client, transaction_id: int) -> dict[str, Any]:
    response = api.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def registers(tx: dict[str, Any]) -> list[tuple[float, str | None]]:
    return [
        (m["value"], m["context"])
        for m in tx["meter_values"]
        if m["measurand"] == "Energy.Active.Import.Register"
    ]


def same_shape(one: dict[str, Any], other: dict[str, Any]) -> None:
    """Same keys; where both have a value, values of the same JSON type."""
    assert set(one) == set(other), set(one) ^ set(other)
    for key in one:
        if one[key] is not None and other[key] is not None:
            assert type(one[key]) is type(other[key]), (key, one[key], other[key])


async def session_16(server: RunningServer, station: str, tag: str, start: int, stop: int) -> int:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        started = await cp.start_tx(1, tag, start, f"{HOUR}:00:00Z")
        assert started.id_tag_info["status"] == "Accepted"
        await cp.meter(1, started.transaction_id, (start + stop) // 2, f"{HOUR}:20:00Z")
        await cp.stop_tx(started.transaction_id, stop, f"{HOUR}:45:00Z", reason="EVDisconnected")
    transaction_id: int = started.transaction_id
    return transaction_id


async def session_201(
    server: RunningServer, station: str, tag: str, tx_id: str, start: int, stop: int
) -> None:
    async with charge_point201(server.ocpp_url, station) as cp:
        assert (await cp.boot("PowerUp")).status == "Accepted"
        assert (await cp.authorize(tag)).id_token_info["status"] == "Accepted"
        started = await cp.transaction_event(
            "Started",
            tx_id,
            0,
            "Authorized",
            meter_wh=start,
            id_token=tag,
            timestamp=f"{HOUR}:00:00Z",
            charging_state="Charging",
        )
        assert started.id_token_info["status"] == "Accepted"
        await cp.transaction_event(
            "Updated",
            tx_id,
            1,
            "MeterValuePeriodic",
            meter_wh=(start + stop) // 2,
            timestamp=f"{HOUR}:20:00Z",
        )
        await cp.transaction_event(
            "Ended",
            tx_id,
            2,
            "EVDeparted",
            meter_wh=stop,
            timestamp=f"{HOUR}:45:00Z",
            stopped_reason="EVDisconnected",
            charging_state="Idle",
        )


async def test_full_201_session_gives_energy_and_the_shape_of_a_16_one(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station("V201"), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = str(uuid.uuid4())
    t0 = datetime.fromisoformat(f"{HOUR}:00:00+00:00")

    async with charge_point201(server.ocpp_url, station) as cp:
        boot = await cp.boot("PowerUp", modem={"iccid": "8935800000000000201", "imsi": "24405"})
        assert boot.status == "Accepted"
        assert boot.interval == server.settings.heartbeat_interval
        await cp.status(1, 1, "Available")
        authorized = await cp.authorize(tag)
        assert authorized.id_token_info["status"] == "Accepted"
        await cp.status(1, 1, "Occupied")

        started = await cp.transaction_event(
            "Started",
            tx_id,
            0,
            "Authorized",
            meter_wh=100_000,
            id_token=tag,
            timestamp=iso(t0),
            charging_state="EVConnected",
            number_of_phases=3,
        )
        assert started.id_token_info["status"] == "Accepted"

        # Answered only after commit: the API sees the transaction at once.
        found = listed(api, station_id=station)
        assert len(found) == 1
        kw_id = found[0]["id"]
        assert found[0]["state"] == "active"
        assert found[0]["energy_wh"] == 0

        first = await cp.transaction_event(
            "Updated",
            tx_id,
            1,
            "ChargingStateChanged",
            meter_wh=104_000,
            timestamp=iso(t0 + timedelta(minutes=15)),
            charging_state="Charging",
            samples=[
                {
                    "value": 7.4,
                    "measurand": "Power.Active.Import",
                    "unitOfMeasure": {"unit": "kW"},
                },
                {"value": 231.5, "measurand": "Voltage", "phase": "L1-N"},
            ],
        )
        assert first.id_token_info is None
        second = await cp.transaction_event(
            "Updated",
            tx_id,
            2,
            "MeterValuePeriodic",
            meter_wh=108_000,
            timestamp=iso(t0 + timedelta(minutes=30)),
        )
        assert second.id_token_info is None
        running = transaction(api, kw_id)
        assert running["state"] == "active"
        assert running["energy_wh"] == 8_000

        ended = await cp.transaction_event(
            "Ended",
            tx_id,
            3,
            "EVDeparted",
            meter_wh=112_345,
            timestamp=iso(t0 + timedelta(minutes=45)),
            stopped_reason="EVDisconnected",
            charging_state="Idle",
        )
        assert ended.id_token_info is None
        await cp.status(1, 1, "Available")

    items = listed(api, station_id=station)
    assert [t["id"] for t in items] == [kw_id]
    item = items[0]
    assert item["energy_wh"] == 12_345
    assert item["state"] == "completed"
    assert item["station_id"] == station
    assert item["ocpp_transaction_id"] == tx_id
    assert item["id_tag"] == tag
    assert item["auth_status"] == "Accepted"
    assert item["evse_id"] == 1
    assert item["connector_id"] == 1
    assert item["meter_start_wh"] == 100_000
    assert item["meter_stop_wh"] == 112_345
    assert item["start_time"] == f"{HOUR}:00:00Z"
    assert item["stop_time"] == f"{HOUR}:45:00Z"
    assert item["stop_reason"] == "EVDisconnected"
    assert item["charging_state"] == "Idle"
    assert item["number_of_phases"] == 3
    assert item["offline"] is False
    assert item["remote_start_id"] is None
    assert item["flags"] == []
    assert item["meter_values"] is None
    assert item["events"] is None

    tx = transaction(api, kw_id)
    assert {k: v for k, v in tx.items() if k not in ("meter_values", "events")} == {
        k: v for k, v in item.items() if k not in ("meter_values", "events")
    }
    assert registers(tx) == [
        (100_000, "Transaction.Begin"),
        (104_000, "Sample.Periodic"),
        (108_000, "Sample.Periodic"),
        (112_345, "Transaction.End"),
    ]
    assert all(m["unit"] == "Wh" for m in tx["meter_values"] if m["measurand"].startswith("Ener"))
    power = [m for m in tx["meter_values"] if m["measurand"] == "Power.Active.Import"]
    assert [(m["value"], m["unit"], m["timestamp"]) for m in power] == [
        (7400.0, "W", f"{HOUR}:15:00Z")
    ]
    voltage = [m for m in tx["meter_values"] if m["measurand"] == "Voltage"]
    assert [(m["value"], m["unit"], m["phase"]) for m in voltage] == [(231.5, "V", "L1-N")]
    assert [
        (e["seq_no"], e["event_type"], e["trigger_reason"], e["charging_state"], e["id_tag"])
        for e in tx["events"]
    ] == [
        (0, "Started", "Authorized", "EVConnected", tag),
        (1, "Updated", "ChargingStateChanged", "Charging", None),
        (2, "Updated", "MeterValuePeriodic", None, None),
        (3, "Ended", "EVDeparted", "Idle", None),
    ]
    assert [e["timestamp"] for e in tx["events"]] == [
        f"{HOUR}:00:00Z",
        f"{HOUR}:15:00Z",
        f"{HOUR}:30:00Z",
        f"{HOUR}:45:00Z",
    ]
    assert not any(e["offline"] for e in tx["events"])

    detail = api.get(f"/stations/{station}").json()
    assert detail["protocol_version"] == "2.0.1"
    assert detail["vendor"] == "TestVendor"
    assert detail["model"] == "TestModel"
    assert detail["serial_number"] == "SN-201"
    assert detail["firmware_version"] == "2.0.1-test"
    assert detail["iccid"] == "8935800000000000201"
    assert detail["imsi"] == "24405"
    assert detail["boot_reason"] == "PowerUp"
    connector = next(c for c in detail["connectors"] if c["evse_id"] == 1)
    assert connector["status"] == "Available"

    # The same API shape as a 1.6 transaction, key for key and type for type.
    station16, tag16 = ids.station("V16"), ids.tag("SIX")
    register_station(api, station16)
    create_token(api, tag16)
    id16 = await session_16(server, station16, tag16, 50_000, 62_345)
    item16 = listed(api, station_id=station16)[0]
    assert item16["id"] == id16
    assert item16["energy_wh"] == 12_345
    assert item16["ocpp_transaction_id"] == str(id16)
    same_shape(item, item16)
    tx16 = transaction(api, id16)
    same_shape(tx, tx16)
    assert tx16["events"] == []
    with_readings = {
        t["station_id"]: t
        for t in listed(api, include="meter_values", limit=500)
        if t["station_id"] in (station, station16)
    }
    same_shape(with_readings[station], with_readings[station16])
    assert registers(with_readings[station]) == registers(tx)
    assert set(with_readings[station]["meter_values"][0]) == set(
        with_readings[station16]["meter_values"][0]
    )


async def test_mixed_fleet_of_16_and_201_stations_charges_at_once(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    fleet: list[dict[str, Any]] = []
    for n in range(4):
        for version in ("16", "201"):
            station, tag = ids.station(f"MIX{version}-{n}"), ids.tag(f"M{version}{n}")
            register_station(api, station)
            create_token(api, tag)
            start = 10_000 * (n + 1)
            fleet.append(
                {
                    "version": version,
                    "station": station,
                    "tag": tag,
                    "start": start,
                    "stop": start + 1_000 * (n + 1) + (7 if version == "201" else 3),
                    "tx_id": f"mix-{uuid.uuid4().hex[:24]}",
                }
            )

    async def run(unit: dict[str, Any]) -> None:
        if unit["version"] == "16":
            await session_16(server, unit["station"], unit["tag"], unit["start"], unit["stop"])
        else:
            await session_201(
                server,
                unit["station"],
                unit["tag"],
                unit["tx_id"],
                unit["start"],
                unit["stop"],
            )

    await asyncio.gather(*(run(unit) for unit in fleet))

    for unit in fleet:
        found = listed(api, station_id=unit["station"])
        assert len(found) == 1, unit
        tx = found[0]
        assert tx["state"] == "completed"
        assert tx["energy_wh"] == unit["stop"] - unit["start"], unit
        assert tx["id_tag"] == unit["tag"]
        assert tx["stop_reason"] == "EVDisconnected"
        assert tx["start_time"] == f"{HOUR}:00:00Z"
        assert tx["stop_time"] == f"{HOUR}:45:00Z"
        assert tx["flags"] == []
        if unit["version"] == "201":
            assert tx["ocpp_transaction_id"] == unit["tx_id"]
        else:
            assert tx["ocpp_transaction_id"] == str(tx["id"])
        station = api.get(f"/stations/{unit['station']}").json()
        assert station["protocol_version"] == {"16": "1.6", "201": "2.0.1"}[unit["version"]]
    # All of them through one listing as well, filtered by token.
    for unit in fleet:
        by_tag = listed(api, id_tag=unit["tag"])
        assert [t["station_id"] for t in by_tag] == [unit["station"]]
