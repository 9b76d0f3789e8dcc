"""Money across nodes: a charge order made on one node stops at its limit a session whose
station is connected to the other, and both nodes answer the session's running cost."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Ids
from tests.integration.cluster.test_cluster import (
    api,
    cluster,
    eventually,
    online,
    station_on,
)
from tests.support.server import RunningCluster

__all__ = ["cluster"]

Json = dict[str, Any]


async def created(response: httpx.Response) -> Json:
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def priced_station(client: httpx.AsyncClient, ids: Ids) -> str:
    """A station at a UTC site whose tariff is 0.50 EUR a kWh."""
    site = await created(
        await client.post("/sites", json={"name": f"Orders {ids.suffix}", "timezone": "UTC"})
    )
    tariff = await created(
        await client.post(
            "/tariffs",
            json={
                "name": f"Orders {ids.suffix}",
                "currency": "EUR",
                "vat": "0",
                "elements": [{"price_components": [{"type": "ENERGY", "price": "0.50"}]}],
            },
        )
    )
    await created(
        await client.post(
            "/tariff-assignments",
            json={"tariff_id": tariff["id"], "scope": "site", "scope_id": site["id"]},
        )
    )
    station = ids.station()
    await created(
        await client.post(
            "/stations",
            json={
                "ocpp_id": station,
                "connectors": [{"evse_id": 1}],
                "security_profile": 0,
                "site_id": site["id"],
            },
        )
    )
    return station


async def cost_of(client: httpx.AsyncClient, tx: int) -> str | None:
    response = await client.get(f"/transactions/{tx}/cost")
    assert response.status_code == 200, response.text
    total: str | None = response.json()["total_incl_vat"]
    return total


async def order_of(client: httpx.AsyncClient, order_id: int) -> Json:
    response = await client.get(f"/charge-orders/{order_id}")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_an_order_made_on_one_node_stops_a_station_held_by_the_other(
    cluster: RunningCluster, ids: Ids
) -> None:
    node1, node2 = cluster[0], cluster[1]
    tag = ids.tag()
    async with api(node1) as api1, api(node2) as api2:
        station = await priced_station(api1, ids)
        await created(await api1.post("/id-tokens", json={"value": tag}))
        async with station_on(node2, station) as point:
            await eventually(lambda: online(api1, station))
            order = await created(
                await api1.post(
                    "/charge-orders",
                    json={
                        "station": station,
                        "evse_id": 1,
                        "id_tag": tag,
                        "limit_kind": "money",
                        "limit": "1.00",
                    },
                )
            )
            tx = await asyncio.wait_for(point.started.get(), 10)  # meter start 1,000 Wh
            await eventually(lambda: _state(order_of(api1, order["id"]), "running"), timeout=10)

            # 1 kWh, 0.50 EUR: under the limit. Either node tells the running cost.
            await asyncio.sleep(1.1)  # a reading a second after the start (energy in no time
            # is not priced)
            await point.meter(1, tx, 2_000)
            for client in (api1, api2):
                await eventually(lambda c=client: _is(cost_of(c, tx), "0.50"))
            await asyncio.sleep(1.1)
            assert not [n for n, _ in point.received if n == "RemoteStopTransaction"]

            # 2.1 kWh, 1.05 EUR: node 1 stops the session at node 2's station.
            await point.meter(1, tx, 3_100)
            asked = await point.wait_for_call("RemoteStopTransaction")
            assert asked["transactionId"] == tx
            assert await asyncio.wait_for(point.stopped.get(), 10) == tx

            for client in (api1, api2):
                done = await eventually(
                    lambda c=client: _state(order_of(c, order["id"]), "completed")
                )
                assert (done["outcome"], done["transaction_id"]) == ("limit_reached", tx)
            stops = [n for n, _ in point.received if n == "RemoteStopTransaction"]
            assert stops == ["RemoteStopTransaction"]
        commands = (await api2.get(f"/stations/{station}/commands")).json()["items"]
        assert sorted((c["operation"], c["status"]) for c in commands) == [
            ("remote_start", "accepted"),
            ("remote_stop", "accepted"),
        ]


async def _state(order: Any, state: str) -> Json | None:
    found: Json = await order
    return found if found["state"] == state else None


async def _is(value: Any, expected: str) -> bool:
    return bool(await value == expected)
