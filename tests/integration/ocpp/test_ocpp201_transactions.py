"""OCPP 2.0.1 TransactionEvent rules through real WebSockets, checked through the REST API:
seqNo duplicates, gaps and reordering, a second Ended, offline replay, tokens on any event,
token states, ConcurrentTx, remote starts, state in seqNo order, and meter units."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp201 import TestChargePoint201, charge_point201, iso
from tests.support.server import RunningServer

# A few hours ago, as a live station's messages are (a day older would be flagged as far in the
# past).
T0 = (datetime.now(UTC) - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)


def at(minutes: float) -> str:
    return iso(T0 + timedelta(minutes=minutes))


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.1)


def new_tx_id() -> str:
    return str(uuid.uuid4())


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def only_transaction(api: httpx.Client, station: str) -> dict[str, Any]:
    """The station's single transaction, in full (meter values and events)."""
    response = api.get("/transactions", params={"station_id": station})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 1, items
    detail = api.get(f"/transactions/{items[0]['id']}")
    assert detail.status_code == 200, detail.text
    body: dict[str, Any] = detail.json()
    return body


def registers(tx: dict[str, Any]) -> list[tuple[float, str]]:
    return [
        (m["value"], m["timestamp"])
        for m in tx["meter_values"]
        if m["measurand"] == "Energy.Active.Import.Register"
    ]


def seqs(tx: dict[str, Any]) -> list[int]:
    return [e["seq_no"] for e in tx["events"]]


async def started(
    cp: TestChargePoint201, tx_id: str, tag: str | None = None, wh: int = 100_000, **kw: Any
) -> Any:
    return await cp.transaction_event(
        "Started",
        tx_id,
        0,
        "Authorized" if tag else "CablePluggedIn",
        meter_wh=wh,
        id_token=tag,
        timestamp=kw.pop("timestamp", at(0)),
        **kw,
    )


async def updated(cp: TestChargePoint201, tx_id: str, seq: int, wh: int, **kw: Any) -> Any:
    return await cp.transaction_event(
        "Updated",
        tx_id,
        seq,
        kw.pop("trigger", "MeterValuePeriodic"),
        meter_wh=wh,
        timestamp=kw.pop("timestamp", at(15 * seq)),
        **kw,
    )


async def ended(cp: TestChargePoint201, tx_id: str, seq: int, wh: int, **kw: Any) -> Any:
    return await cp.transaction_event(
        "Ended",
        tx_id,
        seq,
        kw.pop("trigger", "EVDeparted"),
        meter_wh=wh,
        timestamp=kw.pop("timestamp", at(15 * seq)),
        stopped_reason=kw.pop("stopped_reason", "EVDisconnected"),
        **kw,
    )


# seqNo -------------------------------------------------------------------------------------


async def test_duplicate_seq_no_is_one_event_and_gets_the_same_answer(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, group = ids.station(), ids.tag(), ids.tag("GRP")
    register_station(api, station)
    create_token(api, tag, group_id=group, expires_at="2031-01-01T00:00:00Z")
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        first = await started(cp, tx_id, tag)
        again = await started(cp, tx_id, tag)
        update = await updated(cp, tx_id, 1, 104_000)
        update_again = await updated(cp, tx_id, 1, 104_000)
    # The station resends its queue on a new connection.
    async with charge_point201(server.ocpp_url, station) as cp:
        later = await started(cp, tx_id, tag)
        update_later = await updated(cp, tx_id, 1, 104_000)

    info = first.id_token_info
    assert set(info) == {"status", "cache_expiry_date_time", "group_id_token"}
    assert info["status"] == "Accepted"
    assert parse(info["cache_expiry_date_time"]) == datetime(2031, 1, 1, tzinfo=UTC)
    assert info["group_id_token"] == {"id_token": group, "type": "Central"}
    # Not ConcurrentTx with itself: the duplicate is answered as the original was.
    assert again == first
    assert later == first
    assert update.id_token_info is None
    assert update_again == update
    assert update_later == update

    tx = only_transaction(api, station)
    assert seqs(tx) == [0, 1]
    assert registers(tx) == [(100_000, at(0)), (104_000, at(15))]
    assert len(tx["meter_values"]) == 2
    assert tx["energy_wh"] == 4_000
    assert tx["state"] == "active"
    assert tx["auth_status"] == "Accepted"
    assert tx["flags"] == []


async def test_duplicate_seq_no_with_other_content_changes_nothing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """(transaction, seqNo) identifies an event: a second one with that seqNo is ignored."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, charging_state="Charging")
        await updated(cp, tx_id, 1, 104_000, charging_state="SuspendedEV")
        await updated(cp, tx_id, 1, 999_000, charging_state="Charging", timestamp=at(16))
        await ended(cp, tx_id, 2, 105_000)
        await ended(cp, tx_id, 2, 200_000, stopped_reason="Remote", timestamp=at(60))
    tx = only_transaction(api, station)
    assert seqs(tx) == [0, 1, 2]
    assert [e["charging_state"] for e in tx["events"]] == ["Charging", "SuspendedEV", None]
    assert registers(tx) == [(100_000, at(0)), (104_000, at(15)), (105_000, at(30))]
    assert tx["energy_wh"] == 5_000
    assert tx["stop_reason"] == "EVDisconnected"
    assert tx["stop_time"] == at(30)


async def test_seq_gap_is_flagged_until_the_missing_event_arrives(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag)
        await updated(cp, tx_id, 1, 104_000)
        assert only_transaction(api, station)["flags"] == []
        await updated(cp, tx_id, 3, 112_000)
        gap = only_transaction(api, station)
        assert gap["flags"] == ["seq_gap"]
        assert seqs(gap) == [0, 1, 3]
        flagged = api.get("/transactions", params={"station_id": station, "flagged": "true"})
        assert [t["id"] for t in flagged.json()["items"]] == [gap["id"]]

        await updated(cp, tx_id, 2, 108_000)
        filled = only_transaction(api, station)
        assert filled["flags"] == []
        assert seqs(filled) == [0, 1, 2, 3]

        # A hole at the end of a finished transaction is a gap too.
        await ended(cp, tx_id, 5, 116_000)
        assert only_transaction(api, station)["flags"] == ["seq_gap"]
        await updated(cp, tx_id, 4, 114_000)
    tx = only_transaction(api, station)
    assert tx["flags"] == []
    assert seqs(tx) == [0, 1, 2, 3, 4, 5]
    assert tx["state"] == "completed"
    assert tx["energy_wh"] == 16_000
    unflagged = api.get("/transactions", params={"station_id": station, "flagged": "false"})
    assert [t["id"] for t in unflagged.json()["items"]] == [tx["id"]]


async def test_missing_started_event_is_a_gap(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Updated seq 1 without seq 0: the Started event is missing."""
    station = ids.station()
    register_station(api, station)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await updated(cp, tx_id, 1, 104_000)
        assert only_transaction(api, station)["flags"] == ["seq_gap"]
        await started(cp, tx_id, None)
    tx = only_transaction(api, station)
    assert tx["flags"] == []
    assert tx["start_time"] == at(0)
    assert tx["meter_start_wh"] == 100_000


ORDERS = [
    pytest.param([1, 3, 2, 0], id="ended-before-updated-started-last"),
    pytest.param([3, 2, 1, 0], id="fully-reversed"),
    pytest.param([3, 0, 2, 1], id="ended-first-then-started"),
]


@pytest.mark.parametrize("order", ORDERS)
async def test_events_out_of_order_end_in_the_seq_no_order_state(
    server: RunningServer, api: httpx.Client, ids: Ids, order: list[int]
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    events = {
        0: lambda cp: started(cp, tx_id, tag, charging_state="EVConnected", number_of_phases=1),
        1: lambda cp: updated(cp, tx_id, 1, 104_000, charging_state="Charging", number_of_phases=3),
        2: lambda cp: updated(cp, tx_id, 2, 108_000, charging_state="SuspendedEV"),
        3: lambda cp: ended(cp, tx_id, 3, 112_345, charging_state="Idle"),
    }
    async with charge_point201(server.ocpp_url, station) as cp:
        answers = {seq: await events[seq](cp) for seq in order}
    assert answers[0].id_token_info["status"] == "Accepted"

    tx = only_transaction(api, station)
    assert tx["state"] == "completed"
    assert tx["start_time"] == at(0)
    assert tx["stop_time"] == at(45)
    assert tx["meter_start_wh"] == 100_000
    assert tx["meter_stop_wh"] == 112_345
    assert tx["energy_wh"] == 12_345
    assert tx["stop_reason"] == "EVDisconnected"
    assert tx["id_tag"] == tag
    assert tx["auth_status"] == "Accepted"
    assert tx["charging_state"] == "Idle"
    assert tx["number_of_phases"] == 3
    assert tx["evse_id"] == 1
    assert tx["connector_id"] == 1
    assert tx["flags"] == []
    assert seqs(tx) == [0, 1, 2, 3]
    assert [e["event_type"] for e in tx["events"]] == ["Started", "Updated", "Updated", "Ended"]
    assert sorted(registers(tx), key=lambda r: r[1]) == [
        (100_000, at(0)),
        (104_000, at(15)),
        (108_000, at(30)),
        (112_345, at(45)),
    ]


async def test_charging_state_and_phases_follow_seq_no_not_arrival(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, charging_state="EVConnected", number_of_phases=1)
        await updated(
            cp,
            tx_id,
            2,
            108_000,
            trigger="ChargingStateChanged",
            charging_state="Charging",
            number_of_phases=3,
        )
        # An older event arrives late: it must not undo the newer state.
        await updated(
            cp,
            tx_id,
            1,
            104_000,
            trigger="ChargingStateChanged",
            charging_state="SuspendedEV",
            number_of_phases=1,
        )
        live = only_transaction(api, station)
        assert live["charging_state"] == "Charging"
        assert live["number_of_phases"] == 3
        assert live["state"] == "active"
        assert live["energy_wh"] == 8_000
        # An event without a charging state leaves it as it was.
        await updated(cp, tx_id, 3, 110_000)
        assert only_transaction(api, station)["charging_state"] == "Charging"
        await updated(cp, tx_id, 4, 111_000, charging_state="SuspendedEVSE", number_of_phases=2)
    tx = only_transaction(api, station)
    assert tx["charging_state"] == "SuspendedEVSE"
    assert tx["number_of_phases"] == 2
    assert [e["charging_state"] for e in tx["events"]] == [
        "EVConnected",
        "SuspendedEV",
        "Charging",
        None,
        "SuspendedEVSE",
    ]


async def test_late_charging_state_applies_when_no_newer_event_set_one(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """In seqNo order: EVConnected (0), Charging (1), a periodic reading (2, no state).
    Whatever the arrival order, the result is Charging."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, charging_state="EVConnected", number_of_phases=1)
        await updated(cp, tx_id, 2, 108_000)
        await updated(
            cp,
            tx_id,
            1,
            104_000,
            trigger="ChargingStateChanged",
            charging_state="Charging",
            number_of_phases=3,
        )
    tx = only_transaction(api, station)
    assert tx["flags"] == []
    assert (tx["charging_state"], tx["number_of_phases"]) == ("Charging", 3)


async def test_late_number_of_phases_applies_when_no_newer_event_stated_one(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """In seqNo order: 1 phase (0), 3 phases (1), charging (2, no phases). Whatever the
    arrival order, the result is 3 phases."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, charging_state="EVConnected", number_of_phases=1)
        await updated(cp, tx_id, 2, 108_000, charging_state="Charging")
        await updated(cp, tx_id, 1, 104_000, number_of_phases=3)
    tx = only_transaction(api, station)
    assert tx["flags"] == []
    assert tx["charging_state"] == "Charging"
    assert tx["number_of_phases"] == 3


# Ended -------------------------------------------------------------------------------------


async def test_second_ended_with_another_seq_no_changes_nothing(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag, other = ids.station(), ids.tag(), ids.tag("OTHER")
    register_station(api, station)
    create_token(api, tag)
    create_token(api, other)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag)
        await updated(cp, tx_id, 1, 104_000)
        first = await ended(
            cp, tx_id, 2, 108_000, id_token=tag, trigger="StopAuthorized", charging_state="Idle"
        )
        assert first.id_token_info["status"] == "Accepted"
        before = only_transaction(api, station)
        second = await ended(
            cp,
            tx_id,
            3,
            150_000,
            timestamp=at(90),
            stopped_reason="Remote",
            trigger="RemoteStop",
            id_token=other,
            charging_state="EVConnected",
        )
        # Answered without an error, and the other card is still a valid card.
        assert second.id_token_info["status"] == "Accepted"
    after = only_transaction(api, station)
    for field in (
        "state",
        "start_time",
        "stop_time",
        "meter_start_wh",
        "meter_stop_wh",
        "energy_wh",
        "stop_reason",
        "stop_id_tag",
        "id_tag",
        "auth_status",
        "flags",
    ):
        assert after[field] == before[field], field
    assert after["state"] == "completed"
    assert after["stop_time"] == at(30)
    assert after["energy_wh"] == 8_000
    assert after["meter_stop_wh"] == 108_000
    assert after["stop_reason"] == "EVDisconnected"
    assert after["stop_id_tag"] == tag
    assert after["id_tag"] == tag


async def test_second_ended_does_not_change_the_charging_state(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, charging_state="Charging")
        await ended(cp, tx_id, 1, 108_000, charging_state="Idle")
        await ended(cp, tx_id, 2, 150_000, timestamp=at(90), charging_state="EVConnected")
    tx = only_transaction(api, station)
    assert tx["stop_time"] == at(15)
    assert tx["energy_wh"] == 8_000
    assert tx["charging_state"] == "Idle"


async def test_ended_without_started_keeps_what_it_knows(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Only the Ended arrived (the rest lost): a completed transaction, flagged for the gap."""
    station = ids.station()
    register_station(api, station)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await ended(cp, tx_id, 4, 112_345, timestamp=at(60))
    assert answer.id_token_info is None
    tx = only_transaction(api, station)
    assert tx["state"] == "completed"
    assert tx["ocpp_transaction_id"] == tx_id
    assert tx["stop_time"] == at(60)
    assert tx["meter_stop_wh"] == 112_345
    assert tx["stop_reason"] == "EVDisconnected"
    assert "seq_gap" in tx["flags"]


# Offline -----------------------------------------------------------------------------------


async def test_offline_events_replayed_hours_later_keep_their_own_timestamps(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    now = datetime.now(UTC).replace(microsecond=0)
    begin = now - timedelta(hours=3)

    def ago(minutes: int) -> str:
        return iso(begin + timedelta(minutes=minutes))

    async with charge_point201(server.ocpp_url, station) as cp:
        # Connection back: the queued events arrive one after the other, now.
        await cp.transaction_event(
            "Started",
            tx_id,
            0,
            "Authorized",
            meter_wh=20_000,
            id_token=tag,
            timestamp=ago(0),
            offline=True,
            charging_state="Charging",
        )
        await cp.transaction_event(
            "Updated", tx_id, 1, "MeterValuePeriodic", 25_000, timestamp=ago(30), offline=True
        )
        await cp.transaction_event(
            "Ended",
            tx_id,
            2,
            "EVDeparted",
            30_500,
            timestamp=ago(60),
            offline=True,
            stopped_reason="EVDisconnected",
        )
    tx = only_transaction(api, station)
    assert tx["offline"] is True
    assert tx["start_time"] == ago(0)
    assert tx["stop_time"] == ago(60)
    assert tx["energy_wh"] == 10_500
    assert tx["state"] == "completed"
    assert tx["id_tag"] == tag
    assert tx["flags"] == []
    assert registers(tx) == [(20_000, ago(0)), (25_000, ago(30)), (30_500, ago(60))]
    assert [e["offline"] for e in tx["events"]] == [True, True, True]
    assert [e["timestamp"] for e in tx["events"]] == [ago(0), ago(30), ago(60)]
    for event in tx["events"]:
        # Received now, hours after it happened.
        assert parse(event["received_at"]) - parse(event["timestamp"]) > timedelta(hours=1)
        assert abs(parse(event["received_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    # It is found by its real start time, not by when it was received.
    window = {
        "station_id": station,
        "from": iso(begin - timedelta(minutes=1)),
        "to": iso(begin + timedelta(minutes=1)),
    }
    assert [t["id"] for t in api.get("/transactions", params=window).json()["items"]] == [tx["id"]]


async def test_one_offline_event_marks_the_transaction_offline(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag)
        assert only_transaction(api, station)["offline"] is False
        await updated(cp, tx_id, 1, 104_000, offline=True)
        await ended(cp, tx_id, 2, 108_000)
    tx = only_transaction(api, station)
    assert tx["offline"] is True
    assert [e["offline"] for e in tx["events"]] == [False, True, False]
