"""OCPP 1.6 transactions: ids, replays, late and suspect messages, and the list filters,
all through real WebSockets and checked through the REST API."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ocpp.v16 import call

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point, exchange, iso, raw_socket
from tests.support.server import RunningServer


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


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


RECENT = (datetime.now(UTC) - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)


def stamp(minutes: float) -> str:
    """An instant a few hours ago, as a live station's messages carry (a day older would be
    flagged as far in the past)."""
    return iso(RECENT + timedelta(minutes=minutes))


def hours_ago(hours: float) -> datetime:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0)


def unknown_transaction_id() -> int:
    """An id no test will have been given (ids are assigned from 1 upwards)."""
    return 1_900_000_000 + random.randrange(100_000_000)


# Ids ---------------------------------------------------------------------------------------


async def test_transaction_ids_are_integers_unique_system_wide_and_increasing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    one, two = ids.station("ONE"), ids.station("TWO")
    register_station(api, one, connectors=3)
    register_station(api, two, connectors=3)
    tags = [ids.tag(f"T{n}") for n in range(6)]
    for tag in tags:
        create_token(api, tag)
    async with (
        charge_point(server.ocpp_url, one) as cp1,
        charge_point(server.ocpp_url, two) as cp2,
    ):
        sequential = []
        for n in range(4):
            cp, connector = (cp1, cp2)[n % 2], 1 + n // 2
            started = await cp.start_tx(connector, tags[n], 1_000 * n)
            sequential.append(started.transaction_id)
        # Both stations at once: still one id each, never shared.
        together = await asyncio.gather(cp1.start_tx(3, tags[4], 10), cp2.start_tx(3, tags[5], 20))
    all_ids = sequential + [t.transaction_id for t in together]
    assert all(type(i) is int for i in all_ids)
    assert len(set(all_ids)) == len(all_ids)
    assert sequential == sorted(sequential)
    assert min(t.transaction_id for t in together) > sequential[-1]

    by_station = {
        station: sorted(t["id"] for t in listed(api, station_id=station)) for station in (one, two)
    }
    assert by_station[one] == sorted([sequential[0], sequential[2], together[0].transaction_id])
    assert by_station[two] == sorted([sequential[1], sequential[3], together[1].transaction_id])
    for tx_id in all_ids:
        tx = transaction(api, tx_id)
        assert tx["id"] == tx_id
        assert tx["ocpp_transaction_id"] == str(tx_id)


# Replays -----------------------------------------------------------------------------------


async def test_replayed_start_transaction_gets_the_same_id(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 7_000, stamp(0))
        again = await cp.start_tx(1, tag, 7_000, stamp(0))
    # The station lost its connection and replays its queue on a new one.
    async with charge_point(server.ocpp_url, station) as cp:
        later = await cp.start_tx(1, tag, 7_000, stamp(0))
    assert first.id_tag_info["status"] == "Accepted"
    assert again.transaction_id == first.transaction_id
    assert later.transaction_id == first.transaction_id
    # Not ConcurrentTx with itself: the replay is answered as the original was.
    assert again.id_tag_info["status"] == "Accepted"
    assert later.id_tag_info["status"] == "Accepted"

    found = listed(api, station_id=station)
    assert [t["id"] for t in found] == [first.transaction_id]
    assert found[0]["state"] == "active"
    assert found[0]["flags"] == []


async def test_replayed_start_of_a_refused_token_is_answered_as_the_first(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag, status="Blocked")
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 0, "2026-01-10T09:00:00Z")
        again = await cp.start_tx(1, tag, 0, "2026-01-10T09:00:00Z")
    assert first.id_tag_info["status"] == "Blocked"
    assert again.id_tag_info["status"] == "Blocked"
    assert again.transaction_id == first.transaction_id
    assert len(listed(api, station_id=station)) == 1


async def test_replayed_start_gets_the_same_id_tag_info(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, group = ids.station(), ids.tag(), ids.tag("GRP")
    register_station(api, station)
    create_token(api, tag, group_id=group, expires_at="2031-01-01T00:00:00Z")
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 0, "2026-01-10T09:00:00Z")
        again = await cp.start_tx(1, tag, 0, "2026-01-10T09:00:00Z")
    assert first.id_tag_info["parent_id_tag"] == group
    assert again.transaction_id == first.transaction_id
    assert again.id_tag_info == first.id_tag_info


async def test_start_with_other_timestamp_or_meter_is_a_new_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 7_000, "2026-01-10T09:00:00Z")
        other_meter = await cp.start_tx(2, tag, 7_001, "2026-01-10T09:00:00Z")
    assert other_meter.transaction_id != first.transaction_id
    assert len(listed(api, station_id=station)) == 2


async def test_replayed_stop_transaction_changes_nothing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    transaction_data = [
        {
            "timestamp": "2026-01-11T10:30:00Z",
            "sampledValue": [
                {
                    "value": "20500",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                    "context": "Transaction.End",
                }
            ],
        }
    ]
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 20_000, "2026-01-11T10:00:00Z")
        tx_id = started.transaction_id
        await cp.meter(1, tx_id, 20_250, "2026-01-11T10:15:00Z")
        stopped = await cp.stop_tx(
            tx_id,
            20_500,
            "2026-01-11T10:30:00Z",
            id_tag=tag,
            reason="Local",
            transaction_data=transaction_data,
        )
        before = transaction(api, tx_id)
        await asyncio.sleep(0.05)  # a changed updated_at would differ
        replayed = await cp.stop_tx(
            tx_id,
            20_500,
            "2026-01-11T10:30:00Z",
            id_tag=tag,
            reason="Local",
            transaction_data=transaction_data,
        )
        # A replay with other figures (a confused station) changes nothing either.
        different = await cp.stop_tx(tx_id, 99_999, "2026-01-11T11:00:00Z", reason="Remote")
    assert stopped.id_tag_info == {"status": "Accepted"}
    assert replayed.id_tag_info == {"status": "Accepted"}
    assert different.id_tag_info is None

    after = transaction(api, tx_id)
    assert after == before
    assert after["energy_wh"] == 500
    assert after["stop_time"] == "2026-01-11T10:30:00Z"
    assert after["stop_reason"] == "Local"
    assert after["state"] == "completed"
    assert len(after["meter_values"]) == 5  # 4 from MeterValues + 1 from transactionData
    ends = [m for m in after["meter_values"] if m["context"] == "Transaction.End"]
    assert [m["value"] for m in ends] == [20_500]
    assert len(listed(api, station_id=station)) == 1


# Late and offline messages ----------------------------------------------------------------


async def test_late_session_is_stored_by_its_own_timestamps(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    start, stop = hours_ago(6), hours_ago(4)
    readings = [(start + timedelta(minutes=30 * n), 50_000 + 1_000 * n) for n in (1, 2, 3)]
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        started = await cp.start_tx(1, tag, 50_000, iso(start))
        tx_id = started.transaction_id
        for at, wh in readings:
            await cp.meter(1, tx_id, wh, iso(at))
        await cp.stop_tx(tx_id, 53_500, iso(stop), id_tag=tag, reason="EVDisconnected")
    tx = transaction(api, tx_id)
    assert parse(tx["start_time"]) == start
    assert parse(tx["stop_time"]) == stop
    assert tx["energy_wh"] == 3_500
    assert tx["flags"] == []
    assert parse(tx["created_at"]) > stop + timedelta(hours=3)
    registers = [
        (parse(m["timestamp"]), m["value"])
        for m in tx["meter_values"]
        if m["measurand"] == "Energy.Active.Import.Register"
    ]
    assert registers == [(at, float(wh)) for at, wh in readings]
    # Found by its own start time, not by when it arrived.
    window = listed(api, station_id=station, **{"from": iso(start), "to": iso(stop)})
    assert [t["id"] for t in window] == [tx_id]
    assert listed(api, station_id=station, **{"from": iso(stop)}) == []


async def test_older_status_notification_goes_to_history_only(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    now, earlier = hours_ago(0), hours_ago(2)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(1, "Charging", timestamp=iso(now))
        await cp.status(1, "Available", timestamp=iso(earlier))
        await cp.status(1, "Faulted", error="GroundFailure", timestamp=iso(earlier))
    connectors = api.get(f"/stations/{station}/connectors").json()
    one = next(c for c in connectors if c["evse_id"] == 1)
    assert one["status"] == "Charging"
    assert one["error_code"] == "NoError"
    assert parse(one["status_at"]) == now
    # An old fault reported late is history, not a live fault.
    assert (
        api.get(f"/stations/{station}/events", params={"kind": "connector_fault"}).json()["items"]
        == []
    )

    history = api.get(f"/stations/{station}/connectors/1/1/history").json()["items"]
    assert sorted((h["status"], h["error_code"], parse(h["timestamp"])) for h in history) == [
        ("Available", "NoError", earlier),
        ("Charging", "NoError", now),
        ("Faulted", "GroundFailure", earlier),
    ]


async def test_older_connector_0_status_does_not_overwrite_the_station_status(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.status(0, "Unavailable", timestamp=iso(hours_ago(0)))
        await cp.status(0, "Available", timestamp=iso(hours_ago(2)))
    detail = api.get(f"/stations/{station}").json()
    assert detail["status"] == "Unavailable"


# Suspect messages: answered, stored, flagged ---------------------------------------------


async def test_stop_for_unknown_transaction_is_kept_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    unknown = unknown_transaction_id()
    at = hours_ago(1)
    async with charge_point(server.ocpp_url, station) as cp:
        stopped = await cp.stop_tx(unknown, 42_000, iso(at), id_tag=tag, reason="PowerLoss")
        replayed = await cp.stop_tx(unknown, 42_000, iso(at), id_tag=tag, reason="PowerLoss")
        heartbeat = await cp.call(call.Heartbeat(), suppress=False)
    assert stopped.id_tag_info == {"status": "Accepted"}
    assert replayed.id_tag_info == {"status": "Accepted"}
    assert heartbeat.current_time

    found = listed(api, station_id=station)
    assert len(found) == 1
    tx = transaction(api, found[0]["id"])
    assert tx["state"] == "completed"
    assert tx["ocpp_transaction_id"] == str(unknown)
    assert tx["flags"] == ["unknown_transaction"]
    assert tx["meter_stop_wh"] == 42_000
    assert tx["energy_wh"] is None
    assert parse(tx["stop_time"]) == at
    assert tx["stop_reason"] == "PowerLoss"
    assert tx["stop_id_tag"] == tag
    assert [t["id"] for t in listed(api, station_id=station, flagged="true")] == [tx["id"]]


async def test_stop_for_unknown_transaction_without_id_tag_is_answered_empty(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    unknown = unknown_transaction_id()
    async with raw_socket(server.ocpp_url, station) as ws:
        frame = (
            f'[2,"s1","StopTransaction",{{"transactionId":{unknown},'
            f'"meterStop":100,"timestamp":"{iso()}"}}]'
        )
        assert await exchange(ws, frame) == [3, "s1", {}]
        assert await exchange(ws, frame.replace('"s1"', '"s2"')) == [3, "s2", {}]
    found = listed(api, station_id=station)
    assert len(found) == 1
    assert found[0]["flags"] == ["unknown_transaction"]
    assert found[0]["id_tag"] == ""


async def test_stop_for_another_stations_transaction_is_unknown_here(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    owner, intruder, tag = ids.station("OWNER"), ids.station("INTRUDER"), ids.tag()
    register_station(api, owner)
    register_station(api, intruder)
    create_token(api, tag)
    async with (
        charge_point(server.ocpp_url, owner) as cp1,
        charge_point(server.ocpp_url, intruder) as cp2,
    ):
        started = await cp1.start_tx(1, tag, 0)
        await cp2.stop_tx(started.transaction_id, 10_000)
    assert transaction(api, started.transaction_id)["state"] == "active"
    foreign = listed(api, station_id=intruder)
    assert len(foreign) == 1
    assert foreign[0]["flags"] == ["unknown_transaction"]
    assert foreign[0]["id"] != started.transaction_id


async def test_meter_stop_below_meter_start_is_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 10_000)
        stopped = await cp.stop_tx(started.transaction_id, 9_000, id_tag=tag)
    assert stopped.id_tag_info["status"] == "Accepted"
    tx = transaction(api, started.transaction_id)
    assert tx["state"] == "completed"
    assert tx["meter_start_wh"] == 10_000
    assert tx["meter_stop_wh"] == 9_000
    assert tx["energy_wh"] is None
    assert tx["flags"] == ["meter_stop_below_start"]


async def test_absurd_timestamps_are_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=3)
    tags = [ids.tag(f"T{n}") for n in range(3)]
    for tag in tags:
        create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        old = await cp.start_tx(1, tags[0], 0, "1970-01-01T00:00:00Z")
        future = await cp.start_tx(2, tags[1], 0, "2099-06-01T12:00:00Z")
        normal = await cp.start_tx(3, tags[2], 0)
        stopped_late = await cp.stop_tx(normal.transaction_id, 10, "2099-06-01T13:00:00Z")
        fine = await cp.start_tx(3, tags[2], 10)
    assert stopped_late.id_tag_info is None
    assert old.id_tag_info["status"] == "Accepted"
    assert future.id_tag_info["status"] == "Accepted"

    def flags(tx_id: int) -> list[str]:
        return list(transaction(api, tx_id)["flags"])

    assert flags(old.transaction_id) == ["timestamp_too_old"]
    assert transaction(api, old.transaction_id)["start_time"] == "1970-01-01T00:00:00Z"
    assert flags(future.transaction_id) == ["timestamp_in_future"]
    assert flags(normal.transaction_id) == ["timestamp_in_future"]
    assert flags(fine.transaction_id) == []

    flagged = {t["id"] for t in listed(api, station_id=station, flagged="true")}
    assert flagged == {old.transaction_id, future.transaction_id, normal.transaction_id}
    unflagged = [t["id"] for t in listed(api, station_id=station, flagged="false")]
    assert unflagged == [fine.transaction_id]
    # Across the whole system too (newest first, so ours are on the first page).
    everywhere = {t["id"] for t in listed(api, flagged="true", limit=500)}
    assert flagged <= everywhere
    assert all(t["flags"] for t in listed(api, flagged="true", limit=500))


async def test_start_on_busy_connector_closes_the_old_one_and_a_late_stop_completes_it(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag_a, tag_b = ids.station(), ids.tag("A"), ids.tag("B")
    register_station(api, station)
    create_token(api, tag_a)
    create_token(api, tag_b)
    async with charge_point(server.ocpp_url, station) as cp:
        old = await cp.start_tx(1, tag_a, 1_000, stamp(0))
        await cp.meter(1, old.transaction_id, 1_500, stamp(10))
        new = await cp.start_tx(1, tag_b, 2_000, stamp(60))
        assert new.id_tag_info["status"] == "Accepted"

        superseded = transaction(api, old.transaction_id)
        assert superseded["state"] == "completed"
        assert superseded["flags"] == ["no_stop_received"]
        assert superseded["stop_time"] == stamp(10)  # its last reading
        assert superseded["energy_wh"] == 500
        assert superseded["meter_stop_wh"] is None
        assert transaction(api, new.transaction_id)["state"] == "active"

        late = await cp.stop_tx(old.transaction_id, 1_800, stamp(50), id_tag=tag_a, reason="Reboot")
        assert late.id_tag_info["status"] == "Accepted"
    completed = transaction(api, old.transaction_id)
    assert completed["state"] == "completed"
    assert completed["flags"] == []
    assert completed["meter_stop_wh"] == 1_800
    assert completed["energy_wh"] == 800
    assert completed["stop_time"] == stamp(50)
    assert completed["stop_reason"] == "Reboot"
    still = transaction(api, new.transaction_id)
    assert still["state"] == "active"
    assert still["flags"] == []


async def test_superseded_transaction_without_readings_has_no_energy(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag_a, tag_b = ids.station(), ids.tag("A"), ids.tag("B")
    register_station(api, station)
    create_token(api, tag_a)
    create_token(api, tag_b)
    async with charge_point(server.ocpp_url, station) as cp:
        old = await cp.start_tx(2, tag_a, 1_000, stamp(0))
        await cp.start_tx(2, tag_b, 2_000, stamp(60))
    superseded = transaction(api, old.transaction_id)
    assert superseded["state"] == "completed"
    assert superseded["flags"] == ["no_stop_received"]
    assert superseded["energy_wh"] is None
    assert superseded["stop_time"] is None


# Meter values ------------------------------------------------------------------------------


async def test_stop_transaction_data_is_stored_with_the_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    transaction_data = [
        {
            "timestamp": stamp(0),
            "sampledValue": [
                {
                    "value": "100.0",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "kWh",
                    "context": "Transaction.Begin",
                    "location": "Outlet",
                }
            ],
        },
        {
            "timestamp": stamp(60),
            "sampledValue": [
                {"value": "112.345", "unit": "kWh", "context": "Transaction.End"},
                {
                    "value": "16.2",
                    "measurand": "Current.Import",
                    "unit": "A",
                    "phase": "L2",
                    "context": "Transaction.End",
                },
                {
                    "value": "abcdef0123",
                    "format": "SignedData",
                    "measurand": "Energy.Active.Import.Register",
                    "context": "Transaction.End",
                },
            ],
        },
    ]
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 100_000, stamp(0))
        await cp.stop_tx(
            started.transaction_id,
            112_345,
            stamp(60),
            transaction_data=transaction_data,
        )
    tx = transaction(api, started.transaction_id)
    assert tx["energy_wh"] == 12_345
    stored = sorted(
        (
            (
                m["timestamp"],
                m["measurand"],
                m["value"],
                m["unit"],
                m["phase"],
                m["context"],
                m["location"],
                m["raw"],
            )
            for m in tx["meter_values"]
        ),
        key=repr,
    )
    begin, end = stamp(0), stamp(60)
    register = "Energy.Active.Import.Register"
    expected = [
        (begin, register, 100_000.0, "Wh", None, "Transaction.Begin", "Outlet", None),
        (end, register, 112_345.0, "Wh", None, "Transaction.End", None, None),
        (end, "Current.Import", 16.2, "A", "L2", "Transaction.End", None, None),
        (end, register, None, "", None, "Transaction.End", None, "abcdef0123"),
    ]
    assert stored == sorted(expected, key=repr)


async def test_meter_values_without_or_with_unknown_transaction_are_accepted(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    sampled = json.dumps({"timestamp": iso(), "sampledValue": [{"value": "1234", "unit": "Wh"}]})
    async with raw_socket(server.ocpp_url, station) as ws:
        without = await exchange(
            ws, f'[2,"m1","MeterValues",{{"connectorId":1,"meterValue":[{sampled}]}}]'
        )
        unknown = await exchange(
            ws,
            f'[2,"m2","MeterValues",{{"connectorId":1,"transactionId":'
            f"{unknown_transaction_id()},"
            f'"meterValue":[{sampled}]}}]',
        )
        station_wide = await exchange(
            ws, f'[2,"m3","MeterValues",{{"connectorId":0,"meterValue":[{sampled}]}}]'
        )
    assert without == [3, "m1", {}]
    assert unknown == [3, "m2", {}]
    assert station_wide == [3, "m3", {}]
    # Readings for no transaction create none.
    assert listed(api, station_id=station) == []


# Filters and paging ------------------------------------------------------------------------


async def test_transaction_list_filters_and_paging(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, other, tag_a, tag_b = ids.station(), ids.station("OTHER"), ids.tag("A"), ids.tag("B")
    register_station(api, station)
    register_station(api, other)
    create_token(api, tag_a)
    create_token(api, tag_b)
    made: list[int] = []
    async with charge_point(server.ocpp_url, station) as cp:
        for day in range(1, 6):
            tag = tag_a if day % 2 else tag_b
            started = await cp.start_tx(1, tag, day * 1_000, f"2025-03-0{day}T10:00:00Z")
            made.append(started.transaction_id)
            if day < 5:
                await cp.stop_tx(
                    started.transaction_id, day * 1_000 + 10, f"2025-03-0{day}T11:00:00Z"
                )
    async with charge_point(server.ocpp_url, other) as cp:
        elsewhere = await cp.start_tx(1, tag_b, 0, "2025-03-03T12:00:00Z")
    newest_first = list(reversed(made))

    def ids_of(**params: Any) -> list[int]:
        return [t["id"] for t in listed(api, **params)]

    assert ids_of(station_id=station) == newest_first
    assert ids_of(station_id=other) == [elsewhere.transaction_id]
    assert ids_of(station_id=ids.station("NOSUCH")) == []
    assert ids_of(id_tag=tag_a) == [made[4], made[2], made[0]]
    assert ids_of(id_tag=tag_b) == [elsewhere.transaction_id, made[3], made[1]]
    assert ids_of(id_tag=tag_b.lower()) == ids_of(id_tag=tag_b)
    assert ids_of(station_id=other, id_tag=tag_a) == []
    assert ids_of(station_id=station, state="active") == [made[4]]
    assert ids_of(station_id=station, state="completed") == newest_first[1:]
    # from is inclusive, to exclusive, both on the start time.
    window = {"from": "2025-03-02T10:00:00Z", "to": "2025-03-04T10:00:00Z"}
    assert ids_of(station_id=station, **window) == [made[2], made[1]]
    assert ids_of(id_tag=tag_b, **window) == [elsewhere.transaction_id, made[1]]
    helsinki = {"from": "2025-03-02T12:00:00+02:00", "to": "2025-03-04T12:00:00+02:00"}
    assert ids_of(station_id=station, **helsinki) == [made[2], made[1]]
    assert ids_of(station_id=station, **{"from": "2025-03-04T09:59:59+00:00"}) == [
        made[4],
        made[3],
    ]
    assert ids_of(station_id=station, to="2025-03-01T10:00:01+00:00") == [made[0]]

    pages: list[list[int]] = []
    cursor: int | None = None
    while True:
        params: dict[str, Any] = {"station_id": station, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        body = api.get("/transactions", params=params).json()
        pages.append([t["id"] for t in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 5
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]

    with_values = listed(api, station_id=station, include="meter_values", limit=1)
    assert with_values[0]["meter_values"] == []
    assert listed(api, station_id=station, limit=1)[0]["meter_values"] is None


async def test_transaction_list_rejects_bad_filters(
    server: RunningServer, api: httpx.Client
) -> None:
    for params in (
        {"state": "running"},
        {"from": "2025-03-01T10:00:00"},  # no time zone
        {"limit": 0},
        {"limit": 501},
        {"flagged": "maybe"},
    ):
        response = api.get("/transactions", params=params)
        assert response.status_code == 422, (params, response.text)
        body = response.json()
        assert body["error"] == "validation_error"
        assert body["detail"]
    missing = api.get("/transactions/2147483000")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


# Large numbers -----------------------------------------------------------------------------


async def test_stop_and_meter_values_for_a_transaction_id_beyond_32_bits(
    server: RunningServer, api: httpx.Client, ids: Ids, request: pytest.FixtureRequest
) -> None:
    """Ids another CSMS handed out (a station migrated to Kilowatt replays its queue)."""
    station = ids.station()
    register_station(api, station)
    big = 2**31 + random.randrange(1_000_000)
    sampled = json.dumps({"timestamp": iso(), "sampledValue": [{"value": "1", "unit": "Wh"}]})
    async with raw_socket(server.ocpp_url, station) as ws:
        meter = await exchange(
            ws,
            f'[2,"m",'
            f'"MeterValues",{{"connectorId":1,"transactionId":{big},"meterValue":[{sampled}]}}]',
        )
        stop = await exchange(
            ws,
            f'[2,"s","StopTransaction",{{"transactionId":{big},"meterStop":5,'
            f'"timestamp":"{iso()}"}}]',
        )
    assert meter == [3, "m", {}]
    assert stop == [3, "s", {}]
    found = listed(api, station_id=station)
    assert [(t["ocpp_transaction_id"], t["flags"]) for t in found] == [
        (str(big), ["unknown_transaction"])
    ]


async def test_meter_register_beyond_32_bits(
    server: RunningServer, api: httpx.Client, ids: Ids, request: pytest.FixtureRequest
) -> None:
    """A busy DC charger's lifetime register passes 2,147,483,647 Wh (2.1 GWh)."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    start = 3_000_000_000
    async with raw_socket(server.ocpp_url, station) as ws:
        started = await exchange(
            ws,
            f'[2,"a","StartTransaction",{{"connectorId":1,"idTag":"{tag}",'
            f'"meterStart":{start},"timestamp":"{iso()}"}}]',
        )
        assert started[:2] == [3, "a"], started
        tx_id = started[2]["transactionId"]
        stopped = await exchange(
            ws,
            f'[2,"b","StopTransaction",{{"transactionId":{tx_id},'
            f'"meterStop":{start + 12_345},"timestamp":"{iso()}"}}]',
        )
        assert stopped == [3, "b", {}]
    tx = transaction(api, tx_id)
    assert tx["meter_start_wh"] == start
    assert tx["energy_wh"] == 12_345
