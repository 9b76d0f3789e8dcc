"""Charge orders through the real edges: the API orders a session, Kilowatt starts it at a real
1.6 station (RemoteStartTransaction), follows its meter values (the station's clock, so ten
minutes pass in a second) and stops it (RemoteStopTransaction) at the limit, within one meter
interval: 3 kWh, 2.00 EUR, 10 minutes; an operator can force-stop one; bad limits are refused
naming the field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import Ids
from tests.integration.api.test_api_live_cost import HALF_EURO_A_KWH, created, priced_station
from tests.integration.api.test_api_sites import assert_field_error
from tests.support.commands import async_api, eventually
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


async def order_of(aapi: httpx.AsyncClient, order_id: int) -> Json:
    response = await aapi.get(f"/charge-orders/{order_id}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def stops(cp: TestChargePoint) -> int:
    return sum(1 for name, _ in cp.received if name == "RemoteStopTransaction")


async def started_order(
    aapi: httpx.AsyncClient, cp: TestChargePoint, station: str, tag: str, kind: str, limit: str
) -> tuple[int, int, datetime]:
    """Order a session, begin it at the station as asked; the order, its session, its start."""
    order = await created(
        await aapi.post(
            "/charge-orders",
            json={
                "station": station,
                "evse_id": 1,
                "id_tag": tag,
                "limit_kind": kind,
                "limit": limit,
            },
        )
    )
    assert (order["state"], Decimal(order["limit"]), order["progress"]) == (
        "starting",
        Decimal(limit),
        "0.000",
    )
    asked = await cp.wait_for_call("RemoteStartTransaction")
    assert (asked["idTag"], asked["connectorId"]) == (tag, 1)
    start = datetime.now(UTC) - timedelta(hours=1)
    tx = int((await cp.start_tx(1, tag, 100_000, iso(start))).transaction_id)
    running = await eventually(
        lambda: order_of(aapi, order["id"]), lambda o: o["state"] == "running"
    )
    assert running["transaction_id"] == tx
    return order["id"], tx, start


async def readings_until_stopped(
    cp: TestChargePoint, tx: int, start: datetime, readings: list[tuple[int, int]]
) -> tuple[int, int]:
    """Send (minute, Wh so far) readings; the station is asked to stop after the last one
    and not before. Returns the last reading (it stops there)."""
    for n, (minute, wh) in enumerate(readings):
        await cp.meter(1, tx, 100_000 + wh, iso(start + timedelta(minutes=minute)))
        if n < len(readings) - 1:
            await asyncio.sleep(0.2)  # a stop would be on its way by now
            assert stops(cp) == 0, f"stopped early, at {wh} Wh"
    await cp.wait_for_call("RemoteStopTransaction")
    return readings[-1]


async def finish(
    aapi: httpx.AsyncClient,
    cp: TestChargePoint,
    order_id: int,
    tx: int,
    start: datetime,
    minute: int,
    wh: int,
) -> Json:
    await cp.stop_tx(tx, 100_000 + wh, iso(start + timedelta(minutes=minute)), reason="Remote")
    done = await eventually(lambda: order_of(aapi, order_id), lambda o: o["state"] == "completed")
    assert stops(cp) == 1
    return done


async def test_an_order_of_3_kwh_stops_near_3_kwh(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        order_id, tx, start = await started_order(aapi, cp, station, tag, "energy", "3")
        minute, wh = await readings_until_stopped(
            cp, tx, start, [(5, 1_000), (10, 2_000), (14, 2_900), (15, 3_100)]
        )
        stopping = await order_of(aapi, order_id)
        assert (stopping["state"], stopping["outcome"]) == ("stopping", "limit_reached")
        done = await finish(aapi, cp, order_id, tx, start, minute, wh)
    assert (done["outcome"], done["energy_wh"], done["progress"]) == (
        "limit_reached",
        3_100,
        "1.000",
    )
    assert done["ended_at"] is not None


async def test_an_order_of_2_euros_stops_near_2_euros(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        order_id, tx, start = await started_order(aapi, cp, station, tag, "money", "2.00")
        # 1.00, 1.95, then 2.05 EUR at 0.50 EUR/kWh
        minute, wh = await readings_until_stopped(
            cp, tx, start, [(5, 2_000), (10, 3_900), (11, 4_100)]
        )
        done = await finish(aapi, cp, order_id, tx, start, minute, wh)
    assert (done["outcome"], done["cost"], done["currency"]) == ("limit_reached", "2.05", "EUR")


async def test_an_order_of_10_minutes_stops_near_10_minutes(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        order_id, tx, start = await started_order(aapi, cp, station, tag, "minutes", "10")
        minute, wh = await readings_until_stopped(
            cp, tx, start, [(3, 500), (6, 1_000), (9, 1_500), (10, 1_700)]
        )
        done = await finish(aapi, cp, order_id, tx, start, minute, wh)
    assert (done["outcome"], done["elapsed_s"]) == ("limit_reached", 600)


async def test_an_operator_force_stops_an_order(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    tag = ids.tag()
    await created(await aapi.post("/id-tokens", json={"value": tag}))
    async with charge_point(server.ocpp_url, station) as cp:
        await cp.boot()
        order_id, tx, start = await started_order(aapi, cp, station, tag, "energy", "50")
        await cp.meter(1, tx, 101_000, iso(start + timedelta(minutes=5)))
        stopped = await aapi.post(f"/charge-orders/{order_id}/stop")
        assert stopped.status_code == 200, stopped.text
        assert (stopped.json()["state"], stopped.json()["outcome"]) == (
            "stopping",
            "force_stopped",
        )
        await cp.wait_for_call("RemoteStopTransaction")
        done = await finish(aapi, cp, order_id, tx, start, 6, 1_000)
    assert (done["outcome"], done["energy_wh"]) == ("force_stopped", 1_000)
    again = await aapi.post(f"/charge-orders/{order_id}/stop")
    assert_field_error(again, "invalid_input", "state")
    listed = (await aapi.get("/charge-orders", params={"state": "completed"})).json()["items"]
    assert order_id in [o["id"] for o in listed]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit_kind": "minutes", "limit": "1.5"}, "limit"),
        ({"id_tag": None}, "id_tag"),
    ],
)
async def test_bad_orders_are_refused_naming_the_field(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids, change: Json, field: str
) -> None:
    station, _ = await priced_station(aapi, ids, HALF_EURO_A_KWH)
    body = {"station": station, "evse_id": 1, "id_tag": "X", "limit_kind": "energy", "limit": "3"}
    response = await aapi.post("/charge-orders", json={**body, **change})
    assert_field_error(response, "invalid_input", field)
