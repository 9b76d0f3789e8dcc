"""The records billing stands on, through real sockets: a refused start holds no card, a
lifetime register is not session energy, a reading is stored once, and suspect records are
answered normally but flagged with their reason (1.6 and 2.0.1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point, exchange, iso, raw_socket
from tests.support.ocpp201 import charge_point201, register
from tests.support.server import RunningServer


def transaction(api: httpx.Client, transaction_id: int | str) -> dict[str, Any]:
    response = api.get(f"/transactions/{transaction_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def only_transaction(api: httpx.Client, station: str) -> dict[str, Any]:
    found = api.get("/transactions", params={"station_id": station}).json()["items"]
    assert len(found) == 1, found
    return transaction(api, found[0]["id"])


def reading_keys(api: httpx.Client, transaction_id: int) -> list[tuple[str, str, Any]]:
    readings = transaction(api, transaction_id)["meter_values"]
    return sorted((m["timestamp"], m["measurand"], m["phase"]) for m in readings)


def at(minutes: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    return iso(base + timedelta(minutes=minutes))


def register_reading(wh: int, timestamp: str, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "sampledValue": [
            {
                "value": str(wh),
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
                "context": context,
            }
        ],
    }


# 2. A refused start locks the card nowhere -------------------------------------------------


async def test_a_refused_start_does_not_lock_the_card(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=3)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        first = await cp.start_tx(1, tag, 1_000)
        assert first.id_tag_info["status"] == "Accepted"
        second = await cp.start_tx(2, tag, 2_000)
        assert second.id_tag_info["status"] == "ConcurrentTx"
        await cp.stop_tx(first.transaction_id, 1_500)
        third = await cp.start_tx(3, tag, 3_000)
        assert third.id_tag_info["status"] == "Accepted"
        # And once more, after the refusal: the refused start is not a running session.
        fourth = await cp.start_tx(1, tag, 1_500)
        assert fourth.id_tag_info["status"] == "ConcurrentTx"

    refused = transaction(api, second.transaction_id)
    assert refused["state"] == "refused"
    assert refused["auth_status"] == "ConcurrentTx"
    assert "not_authorized" in refused["flags"]
    running = api.get("/transactions", params={"station_id": station, "state": "active"})
    assert [t["id"] for t in running.json()["items"]] == [third.transaction_id]


async def test_a_refused_start_still_takes_its_stop_and_readings(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station)
    async with charge_point(server.ocpp_url, station) as cp:
        refused = await cp.start_tx(1, ids.tag("UNKNOWN"), 5_000)
        assert refused.id_tag_info["status"] == "Invalid"
        await cp.meter(1, refused.transaction_id, 5_100)
        await cp.stop_tx(refused.transaction_id, 5_200, reason="DeAuthorized")
    stopped = transaction(api, refused.transaction_id)
    assert stopped["state"] == "completed"
    assert stopped["energy_wh"] == 200
    assert "not_authorized" in stopped["flags"]


async def test_201_a_refused_token_is_not_busy_and_a_second_card_can_take_over(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, other = ids.station(), ids.tag(), ids.tag("OTHER")
    register_station(api, station, connectors=2)
    create_token(api, tag)
    create_token(api, other)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.boot()
        one = await cp.transaction_event("Started", "tx-1", 0, "Authorized", 0, id_token=tag)
        assert one.id_token_info["status"] == "Accepted"
        two = await cp.transaction_event(
            "Started", "tx-2", 0, "Authorized", 0, id_token=tag, evse=2
        )
        assert two.id_token_info["status"] == "ConcurrentTx"
        # The driver taps another card on the refused session: it runs on that one.
        again = await cp.transaction_event(
            "Updated", "tx-2", 1, "Authorized", 10, id_token=other, evse=2
        )
        assert again.id_token_info["status"] == "Accepted"
        await cp.transaction_event("Ended", "tx-1", 1, "StopAuthorized", 500)
        three = await cp.transaction_event("Started", "tx-3", 0, "Authorized", 500, id_token=tag)
        assert three.id_token_info["status"] == "Accepted"
    by_ref = {
        t["ocpp_transaction_id"]: t
        for t in api.get("/transactions", params={"station_id": station}).json()["items"]
    }
    assert by_ref["tx-2"]["state"] == "active"
    assert by_ref["tx-2"]["id_tag"] == other
    assert "not_authorized" not in by_ref["tx-2"]["flags"]
    assert by_ref["tx-3"]["state"] == "active"


# 3. The lifetime register is not session energy ---------------------------------------------


async def test_a_lifetime_register_after_meter_start_zero_is_not_billed(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 0, at(0))
        tx_id = started.transaction_id
        await cp.send_meter_values(1, tx_id, [register_reading(0, at(0), "Transaction.Begin")])
        await cp.send_meter_values(1, tx_id, [register_reading(909_948, at(1))])
        while_charging = transaction(api, tx_id)
        assert while_charging["energy_wh"] == 0
        await cp.send_meter_values(1, tx_id, [register_reading(910_948, at(2))])
        await cp.stop_tx(tx_id, 911_948, at(3))
    stopped = transaction(api, tx_id)
    assert stopped["energy_wh"] == 2_000
    assert stopped["meter_stop_wh"] == 911_948
    assert "energy_implausible" in stopped["flags"]


async def test_201_a_lifetime_register_after_a_zero_begin_reading_is_not_billed(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.transaction_event(
            "Started", "life", 0, "Authorized", 0, id_token=tag, timestamp=at(0)
        )
        await cp.transaction_event(
            "Updated", "life", 1, "MeterValuePeriodic", 700_000, timestamp=at(1)
        )
        await cp.transaction_event(
            "Updated", "life", 2, "MeterValuePeriodic", 703_000, timestamp=at(11)
        )
        await cp.transaction_event("Ended", "life", 3, "EVDeparted", 704_000, timestamp=at(12))
    stopped = only_transaction(api, station)
    assert stopped["energy_wh"] == 4_000
    assert "energy_implausible" in stopped["flags"]


# 4. One reading per transaction, instant, measurand, phase, location and context -----------


async def test_a_replayed_meter_values_is_stored_once(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 1_000)
        stamp = iso()
        for _ in range(3):  # the station resends it after a lost answer, and again
            await cp.meter(1, started.transaction_id, 1_500, stamp)
        await cp.stop_tx(started.transaction_id, 2_000)
    keys = reading_keys(api, started.transaction_id)
    assert len(keys) == len(set(keys)) == 4  # energy, power, voltage L1, SoC


async def test_readings_replayed_on_a_new_connection_are_stored_once_and_new_ones_kept(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """The writer trusts its memory of the newest stored reading only on the connection that
    stored it: a station that comes back and replays its queue is checked again."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 1_000, at(0))
        tx = started.transaction_id
        await cp.meter(1, tx, 1_200, at(1))
        await cp.meter(1, tx, 1_400, at(2))
    async with charge_point(server.ocpp_url, station) as cp:
        for minute, wh in ((1, 1_200), (2, 1_400), (3, 1_600)):  # the queue, then a new one
            await cp.meter(1, tx, wh, at(minute))
        await cp.meter(1, tx, 1_600, at(3))  # and the new one's answer was lost
    keys = reading_keys(api, tx)
    assert len(keys) == len(set(keys)) == 3 * 4
    assert {k[0][:16] for k in keys} == {at(m)[:16] for m in (1, 2, 3)}


async def test_a_meter_values_repeating_a_stops_reading_is_stored_once(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A stop's transactionData reaches the database outside the meter-value writer, which
    must then not take the same reading, sent again in a MeterValues, for a new one."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        started = await cp.start_tx(1, tag, 1_000, at(0))
        tx = started.transaction_id
        await cp.meter(1, tx, 1_200, at(1))
        await cp.stop_tx(tx, 1_800, at(3), transaction_data=[register_reading(1_700, at(2))])
        await cp.send_meter_values(1, tx, [register_reading(1_700, at(2))])
    energy = [
        m["timestamp"]
        for m in transaction(api, tx)["meter_values"]
        if m["measurand"] == "Energy.Active.Import.Register"
    ]
    assert len(energy) == len(set(energy)) == 2


async def test_201_an_ended_event_repeating_the_begin_reading_stores_it_once(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    begin, end = at(0), at(20)
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.boot()
        await cp.transaction_event(
            "Started", "twice", 0, "Authorized", 10_000, id_token=tag, timestamp=begin
        )
        # The Ended event carries the whole transaction's readings: Begin again, and End.
        await cp.send_action(
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": end,
                "triggerReason": "EVDeparted",
                "seqNo": 1,
                "transactionInfo": {"transactionId": "twice", "stoppedReason": "EVDisconnected"},
                "meterValue": [
                    {"timestamp": begin, "sampledValue": [register(10_000, "Transaction.Begin")]},
                    {"timestamp": end, "sampledValue": [register(16_000, "Transaction.End")]},
                ],
            },
        )
    stopped = only_transaction(api, station)
    assert stopped["energy_wh"] == 6_000
    contexts = sorted(m["context"] for m in stopped["meter_values"])
    assert contexts == ["Transaction.Begin", "Transaction.End"]


# 6. Suspect records: answered normally, flagged with the reason ----------------------------


async def test_a_stop_by_an_unrelated_card_is_flagged_and_a_group_card_is_not(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station = ids.station()
    register_station(api, station, connectors=2)
    group = api.post("/token-groups", json={"name": ids.tag("FLEET")})
    assert group.status_code == 201, group.text
    driver, colleague, stranger = ids.tag("D"), ids.tag("C"), ids.tag("S")
    create_token(api, driver, token_group_id=group.json()["id"])
    create_token(api, colleague, token_group_id=group.json()["id"])
    create_token(api, stranger)
    async with charge_point(server.ocpp_url, station) as cp:
        one = await cp.start_tx(1, driver, 0)
        answer = await cp.stop_tx(one.transaction_id, 100, id_tag=stranger)
        assert answer.id_tag_info["status"] == "Accepted"
        two = await cp.start_tx(2, driver, 0)
        assert two.id_tag_info["status"] == "Accepted"
        await cp.stop_tx(two.transaction_id, 100, id_tag=colleague)
    assert "stopped_by_other_token" in transaction(api, one.transaction_id)["flags"]
    assert "stopped_by_other_token" not in transaction(api, two.transaction_id)["flags"]


async def test_a_start_on_a_connector_never_reported_is_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=2)
    create_token(api, tag)
    async with charge_point(server.ocpp_url, station) as cp:
        known = await cp.start_tx(2, tag, 0)
        await cp.stop_tx(known.transaction_id, 10)
        unknown = await cp.start_tx(7, tag, 0)
        assert unknown.id_tag_info["status"] == "Accepted"
    assert "unknown_connector" not in transaction(api, known.transaction_id)["flags"]
    assert "unknown_connector" in transaction(api, unknown.transaction_id)["flags"]


async def test_a_negative_meter_start_is_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with raw_socket(server.ocpp_url, station) as ws:
        start = {"connectorId": 1, "idTag": tag, "meterStart": -5, "timestamp": iso()}
        reply = await exchange(ws, json.dumps([2, "neg", "StartTransaction", start]))
    assert reply[0] == 3
    assert "meter_start_negative" in transaction(api, reply[2]["transactionId"])["flags"]


async def test_timestamps_far_in_the_past_are_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    async with charge_point(server.ocpp_url, station) as cp:
        old = await cp.start_tx(1, tag, 0, iso(three_days_ago))
        assert old.id_tag_info["status"] == "Accepted"
        await cp.stop_tx(old.transaction_id, 10, iso(three_days_ago + timedelta(hours=1)))
        fresh = await cp.start_tx(1, tag, 10)
    assert "timestamp_in_past" in transaction(api, old.transaction_id)["flags"]
    assert "timestamp_in_past" not in transaction(api, fresh.transaction_id)["flags"]


async def test_starts_on_two_connectors_in_the_same_second_are_two_transactions(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """A replay is the same connector, tag, instant and meter start: the 1.6 connectorId, not
    the connector of the EVSE (1 on every EVSE), tells the connectors apart."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station, connectors=2)
    create_token(api, tag)
    stamp = iso()
    async with charge_point(server.ocpp_url, station) as cp:
        one = await cp.start_tx(1, tag, 0, stamp)
        two = await cp.start_tx(2, tag, 0, stamp)
        again = await cp.start_tx(2, tag, 0, stamp)
    assert one.transaction_id != two.transaction_id
    assert two.id_tag_info["status"] == "ConcurrentTx"
    assert again.transaction_id == two.transaction_id
    assert again.id_tag_info["status"] == "ConcurrentTx"
