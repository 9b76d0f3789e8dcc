"""OCPP 2.0.1 TransactionEvent rules through real WebSockets, checked through the REST API:
seqNo duplicates, gaps and reordering, a second Ended, offline replay, tokens on any event,
token states, ConcurrentTx, remote starts, state in seqNo order, and meter units."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from ocpp.v201 import call

from tests.conftest import Ids, create_token, register_station
from tests.support.ocpp16 import charge_point
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


# Tokens ------------------------------------------------------------------------------------


async def test_token_on_a_later_updated_event_authorizes_the_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Plug in first, tap the card later."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        plugged = await started(cp, tx_id, None, charging_state="EVConnected")
        assert plugged.id_token_info is None
        before = only_transaction(api, station)
        assert before["auth_status"] == "Unknown"
        assert before["id_tag"] == ""
        assert before["state"] == "active"

        tapped = await cp.transaction_event(
            "Updated",
            tx_id,
            1,
            "Authorized",
            id_token=tag,
            timestamp=at(2),
            charging_state="Charging",
        )
        assert tapped.id_token_info["status"] == "Accepted"
        await ended(cp, tx_id, 2, 109_000)
    tx = only_transaction(api, station)
    assert tx["auth_status"] == "Accepted"
    assert tx["id_tag"] == tag
    assert tx["flags"] == []
    assert tx["energy_wh"] == 9_000
    assert [e["id_tag"] for e in tx["events"]] == [None, tag, None]
    by_tag = api.get("/transactions", params={"id_tag": tag}).json()["items"]
    assert [t["id"] for t in by_tag] == [tx["id"]]


TOKEN_STATES = [
    pytest.param({}, "Accepted", id="accepted"),
    pytest.param({"status": "Blocked"}, "Blocked", id="blocked"),
    pytest.param({"status": "Expired"}, "Expired", id="expired-status"),
    pytest.param({"expires_at": "2020-01-01T00:00:00Z"}, "Expired", id="expired-date"),
    pytest.param({"status": "Invalid"}, "Invalid", id="invalid"),
    pytest.param(None, "Unknown", id="unregistered"),
]


@pytest.mark.parametrize(("token", "expected"), TOKEN_STATES)
async def test_token_state_in_transaction_event_id_token_info(
    server: RunningServer,
    api: httpx.Client,
    ids: Ids,
    token: dict[str, Any] | None,
    expected: str,
) -> None:
    """2.0.1 answers Unknown for an unregistered token where 1.6 says Invalid."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    if token is not None:
        create_token(api, tag, **token)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        authorized = await cp.authorize(tag)
        answer = await started(cp, tx_id, tag)
    assert authorized.id_token_info["status"] == expected
    assert answer.id_token_info["status"] == expected
    tx = only_transaction(api, station)
    assert tx["auth_status"] == expected
    assert tx["id_tag"] == tag
    # Kept (the station has begun it) and flagged for review unless accepted; a refused one
    # is no running session, but waits for the stop the station owes.
    assert tx["state"] == ("active" if expected == "Accepted" else "refused")
    assert tx["flags"] == ([] if expected == "Accepted" else ["not_authorized"])


async def test_unregistered_token_is_unknown_in_201_and_invalid_in_16(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    tag = ids.tag("NOBODY")
    s16, s201 = ids.station("S16"), ids.station("S201")
    register_station(api, s16)
    register_station(api, s201)
    async with charge_point(server.ocpp_url, s16) as cp:
        assert (await cp.authorize(tag)).id_tag_info["status"] == "Invalid"
    async with charge_point201(server.ocpp_url, s201) as cp:
        assert (await cp.authorize(tag)).id_token_info["status"] == "Unknown"


async def test_token_in_another_active_transaction_is_concurrent_tx(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    one, two, tag = ids.station("ONE"), ids.station("TWO"), ids.tag()
    register_station(api, one)
    register_station(api, two)
    create_token(api, tag)
    tx_one, tx_two, tx_three = new_tx_id(), new_tx_id(), new_tx_id()
    async with (
        charge_point201(server.ocpp_url, one) as cp1,
        charge_point201(server.ocpp_url, two) as cp2,
    ):
        assert (await started(cp1, tx_one, tag)).id_token_info["status"] == "Accepted"
        # Authorize never answers ConcurrentTx: only a transaction start does.
        assert (await cp2.authorize(tag)).id_token_info["status"] == "Accepted"
        busy = await started(cp2, tx_two, tag)
        assert busy.id_token_info["status"] == "ConcurrentTx"
        # The station stops the refused transaction (DeAuthorized), then the first one ends.
        await ended(cp2, tx_two, 1, 100_500, trigger="Deauthorized", stopped_reason="DeAuthorized")
        stop = await ended(cp1, tx_one, 1, 101_000, id_token=tag, trigger="StopAuthorized")
        assert stop.id_token_info["status"] == "Accepted"
        # Once both are over, the card starts again.
        free = await started(cp2, tx_three, tag, connector=1)
        assert free.id_token_info["status"] == "Accepted"

    by_ocpp = {
        t["ocpp_transaction_id"]: t
        for station in (one, two)
        for t in api.get("/transactions", params={"station_id": station}).json()["items"]
    }
    assert by_ocpp[tx_one]["auth_status"] == "Accepted"
    assert by_ocpp[tx_two]["auth_status"] == "ConcurrentTx"
    assert by_ocpp[tx_two]["flags"] == ["not_authorized"]
    assert by_ocpp[tx_three]["auth_status"] == "Accepted"


async def test_card_stopping_its_own_transaction_is_accepted_while_in_another(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    one, two, tag = ids.station("ONE"), ids.station("TWO"), ids.tag()
    register_station(api, one)
    register_station(api, two)
    create_token(api, tag)
    tx_one, tx_two = new_tx_id(), new_tx_id()
    async with (
        charge_point201(server.ocpp_url, one) as cp1,
        charge_point201(server.ocpp_url, two) as cp2,
    ):
        assert (await started(cp1, tx_one, tag)).id_token_info["status"] == "Accepted"
        assert (await started(cp2, tx_two, tag)).id_token_info["status"] == "ConcurrentTx"
        # The driver taps the card at station one to stop the session it started there.
        stop = await ended(cp1, tx_one, 1, 101_000, id_token=tag, trigger="StopAuthorized")
    first = next(
        t
        for t in api.get("/transactions", params={"station_id": one}).json()["items"]
        if t["ocpp_transaction_id"] == tx_one
    )
    assert (first["auth_status"], first["flags"]) == ("Accepted", [])
    assert first["stop_id_tag"] == tag
    assert stop.id_token_info["status"] == "Accepted"


async def test_token_in_a_16_transaction_is_concurrent_tx_on_a_201_station(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    s16, s201, tag = ids.station("S16"), ids.station("S201"), ids.tag()
    register_station(api, s16)
    register_station(api, s201)
    create_token(api, tag)
    async with (
        charge_point(server.ocpp_url, s16) as cp16,
        charge_point201(server.ocpp_url, s201) as cp201,
    ):
        first = await cp16.start_tx(1, tag, 0)
        assert first.id_tag_info["status"] == "Accepted"
        busy = await started(cp201, new_tx_id(), tag)
        assert busy.id_token_info["status"] == "ConcurrentTx"


async def test_no_authorization_token_is_accepted(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Free vend: the station charges without identification (idToken type NoAuthorization,
    with the empty value the spec prescribes)."""
    station = ids.station()
    register_station(api, station)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        free = await cp.send(
            call.TransactionEvent(
                event_type="Started",
                timestamp=at(5),
                trigger_reason="CablePluggedIn",
                seq_no=0,
                transaction_info={"transactionId": tx_id},
                evse={"id": 2, "connectorId": 1},
                id_token={"idToken": "", "type": "NoAuthorization"},
            )
        )
    assert free.id_token_info["status"] == "Accepted"
    tx = only_transaction(api, station)
    assert tx["ocpp_transaction_id"] == tx_id
    assert tx["auth_status"] == "Accepted"
    assert tx["evse_id"] == 2
    assert tx["flags"] == []


# Remote start ------------------------------------------------------------------------------


async def test_remote_start_id_is_stored_with_the_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await cp.transaction_event(
            "Started",
            tx_id,
            0,
            "RemoteStart",
            meter_wh=5_000,
            id_token=tag,
            timestamp=at(0),
            remote_start_id=4711,
            evse=2,
            connector=1,
        )
        # Later events need not repeat it.
        await updated(cp, tx_id, 1, 6_000, evse=2)
    tx = only_transaction(api, station)
    assert tx["remote_start_id"] == 4711
    assert tx["evse_id"] == 2
    assert tx["connector_id"] == 1
    assert tx["id_tag"] == tag
    assert tx["energy_wh"] == 1_000


async def test_reservation_id_is_stored_with_the_transaction(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, new_tx_id(), tag, reservation_id=31)
    assert only_transaction(api, station)["reservation_id"] == 31


# Meter values ------------------------------------------------------------------------------


async def test_meter_units_multipliers_and_signed_values(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    signed = {
        "signedMeterData": "T0NNRnwxLjB8RTB8MTIzNDV8Mjk5MzI=",
        "signingMethod": "ECDSA-secp256r1-SHA256",
        "encodingMethod": "OCMF",
        "publicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    }
    async with charge_point201(server.ocpp_url, station) as cp:
        # 100 kWh.
        await cp.transaction_event(
            "Started",
            tx_id,
            0,
            "Authorized",
            id_token=tag,
            timestamp=at(0),
            samples=[
                {
                    "value": 100.0,
                    "measurand": "Energy.Active.Import.Register",
                    "context": "Transaction.Begin",
                    "unitOfMeasure": {"unit": "kWh"},
                }
            ],
        )
        # 104.5 x 10^3 Wh, 7.4 x 10^3 W, 16 A, the SoC with its default unit.
        await cp.transaction_event(
            "Updated",
            tx_id,
            1,
            "MeterValuePeriodic",
            timestamp=at(15),
            samples=[
                {
                    "value": 104.5,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "Wh", "multiplier": 3},
                },
                {
                    "value": 7.4,
                    "measurand": "Power.Active.Import",
                    "unitOfMeasure": {"unit": "W", "multiplier": 3},
                },
                {"value": 16, "measurand": "Current.Import", "phase": "L1"},
                {"value": 55, "measurand": "SoC", "location": "EV"},
            ],
        )
        # A signed register reading: its value counts, its signed data is kept verbatim.
        await cp.transaction_event(
            "Ended",
            tx_id,
            2,
            "EVDeparted",
            timestamp=at(30),
            stopped_reason="EVDisconnected",
            samples=[
                {
                    "value": 112.345,
                    "measurand": "Energy.Active.Import.Register",
                    "context": "Transaction.End",
                    "unitOfMeasure": {"unit": "kWh"},
                    "signedMeterValue": signed,
                }
            ],
        )
    tx = only_transaction(api, station)
    assert tx["meter_start_wh"] == 100_000
    assert tx["meter_stop_wh"] == 112_345
    assert tx["energy_wh"] == 12_345
    stored = sorted(
        (m["measurand"], m["value"], m["unit"], m["phase"], m["location"], m["raw"])
        for m in tx["meter_values"]
    )
    assert stored == sorted(
        [
            ("Energy.Active.Import.Register", 100_000.0, "Wh", None, None, None),
            ("Energy.Active.Import.Register", 104_500.0, "Wh", None, None, None),
            (
                "Energy.Active.Import.Register",
                112_345.0,
                "Wh",
                None,
                None,
                signed["signedMeterData"],
            ),
            ("Power.Active.Import", 7_400.0, "W", None, None, None),
            ("Current.Import", 16.0, "A", "L1", None, None),
            ("SoC", 55.0, "%", None, "EV", None),
        ]
    )


async def test_standalone_meter_values_are_answered_and_logged(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """MeterValues (outside transactions) for an EVSE and for the whole station (EVSE 0)."""
    station = ids.station()
    register_station(api, station)
    reading = {
        "timestamp": iso(),
        "sampledValue": [
            {
                "value": 12.5,
                "measurand": "Energy.Active.Import.Register",
                "unitOfMeasure": {"unit": "kWh"},
            },
            {"value": 230.1, "measurand": "Voltage", "phase": "L1-N"},
        ],
    }
    async with charge_point201(server.ocpp_url, station) as cp:
        on_evse = await cp.meter_values(1, [reading])
        station_wide = await cp.meter_values(0, [reading])
    assert on_evse is not None
    assert station_wide is not None
    answers = await eventually(
        lambda: (
            [
                m["frame"]
                for m in api.get(
                    f"/stations/{station}/messages", params={"action": "MeterValues"}
                ).json()["items"]
                if m["direction"] == "out"
            ]
            if len(api.get(f"/stations/{station}/messages").json()["items"]) >= 4
            else []
        )
    )
    assert [frame[0] for frame in answers] == [3, 3]
    assert [frame[2] for frame in answers] == [{}, {}]
    # Readings outside a transaction create none.
    assert api.get("/transactions", params={"station_id": station}).json()["items"] == []


# Identity, timestamps, suspect readings ------------------------------------------------------


async def test_same_transaction_id_on_two_stations_is_two_transactions(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """Transaction ids are the station's own: counters like "1" repeat across stations."""
    one, two = ids.station("ONE"), ids.station("TWO")
    register_station(api, one)
    register_station(api, two)
    async with (
        charge_point201(server.ocpp_url, one) as cp1,
        charge_point201(server.ocpp_url, two) as cp2,
    ):
        await started(cp1, "1", None, wh=1_000)
        await started(cp2, "1", None, wh=5_000)
        await ended(cp1, "1", 1, 1_500)
        await ended(cp2, "1", 1, 7_000)
    first, second = only_transaction(api, one), only_transaction(api, two)
    assert first["id"] != second["id"]
    assert (first["ocpp_transaction_id"], first["energy_wh"]) == ("1", 500)
    assert (second["ocpp_transaction_id"], second["energy_wh"]) == ("1", 2_000)
    assert seqs(first) == seqs(second) == [0, 1]


async def test_ended_without_stopped_reason_is_local(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    """2.0.1: stoppedReason may only be left out when the reason is Local."""
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag)
        await cp.transaction_event(
            "Ended", tx_id, 1, "StopAuthorized", 101_000, id_token=tag, timestamp=at(20)
        )
    tx = only_transaction(api, station)
    assert tx["stop_reason"] == "Local"
    assert tx["stop_id_tag"] == tag
    assert tx["energy_wh"] == 1_000


async def test_meter_going_backwards_is_flagged_and_has_no_energy(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, wh=100_000)
        await ended(cp, tx_id, 1, 90_000)
    tx = only_transaction(api, station)
    assert tx["state"] == "completed"
    assert tx["meter_start_wh"] == 100_000
    assert tx["meter_stop_wh"] == 90_000
    assert tx["energy_wh"] is None
    assert tx["flags"] == ["meter_stop_below_start"]


async def test_timestamps_with_offsets_and_fractions_are_stored_as_utc(
    server: RunningServer, api: httpx.Client, ids: Ids
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    tx_id = new_tx_id()
    helsinki, new_york = timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))
    start = T0.astimezone(helsinki).isoformat(timespec="milliseconds").replace(".000", ".250")
    stop = (T0 + timedelta(minutes=30)).astimezone(new_york).isoformat(timespec="seconds")
    async with charge_point201(server.ocpp_url, station) as cp:
        await started(cp, tx_id, tag, timestamp=start)
        await ended(cp, tx_id, 1, 101_000, timestamp=stop)
    tx = only_transaction(api, station)
    assert parse(tx["start_time"]) == T0 + timedelta(milliseconds=250)
    assert parse(tx["stop_time"]) == T0 + timedelta(minutes=30)
    assert tx["start_time"].endswith("Z")
    assert parse(tx["events"][0]["timestamp"]) == parse(tx["start_time"])
    assert tx["flags"] == []


@pytest.mark.parametrize(
    ("start", "flag"),
    [
        pytest.param("2005-06-01T00:00:00Z", "timestamp_too_old", id="clock-never-set"),
        pytest.param(
            iso(datetime.now(UTC) + timedelta(hours=2)), "timestamp_in_future", id="clock-ahead"
        ),
    ],
)
async def test_absurd_start_timestamps_are_flagged(
    server: RunningServer, api: httpx.Client, ids: Ids, start: str, flag: str
) -> None:
    station, tag = ids.station(), ids.tag()
    register_station(api, station)
    create_token(api, tag)
    async with charge_point201(server.ocpp_url, station) as cp:
        answer = await started(cp, new_tx_id(), tag, timestamp=start)
    assert answer.id_token_info["status"] == "Accepted"
    tx = only_transaction(api, station)
    assert tx["start_time"] == start
    assert tx["flags"] == [flag]
