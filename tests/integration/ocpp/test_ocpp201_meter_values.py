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
