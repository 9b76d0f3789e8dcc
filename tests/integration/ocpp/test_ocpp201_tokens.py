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
