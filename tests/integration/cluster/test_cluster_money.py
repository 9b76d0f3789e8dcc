"""Money across nodes: a charge order made on one node stops at its limit a session whose
station is connected to the other, and both nodes answer the session's running cost; the
sessions of one prepaid wallet on two nodes stop together at its balance."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
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
from tests.support.ocpp16 import iso
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


async def test_sessions_of_one_wallet_on_two_nodes_stop_together_at_its_balance(
    cluster: RunningCluster, ids: Ids
) -> None:
    """A prepaid wallet of 5.00 EUR pays two sessions, one at a station on each node: each
    node counts the other's session (its relayed cost), so both stop when together they
    reach the balance, and the ledger ends at 0.00."""
    node1, node2 = cluster[0], cluster[1]
    first_tag, second_tag = ids.tag(), Ids().tag()
    async with api(node1) as api1, api(node2) as api2:
        first_station = await priced_station(api1, ids)
        second_station = await priced_station(api1, Ids())
        wallet = await created(
            await api1.post("/wallets", json={"name": f"Pre {ids.suffix}", "owner_kind": "account"})
        )
        await created(
            await api1.post(
                f"/wallets/{wallet['id']}/top-ups",
                json={"amount": "5.00"},
                headers={"Idempotency-Key": f"top-{ids.suffix}"},
            )
        )
        for tag in (first_tag, second_tag):
            token = await created(await api1.post("/id-tokens", json={"value": tag}))
            put = await api1.put(f"/tokens/{token['id']}/wallet", json={"wallet_id": wallet["id"]})
            assert put.status_code == 204, put.text
        start = datetime.now(UTC) - timedelta(hours=1)
        async with (
            station_on(node1, first_station) as one,
            station_on(node2, second_station) as two,
        ):
            first = int((await one.start_tx(1, first_tag, 0, iso(start))).transaction_id)
            second = int((await two.start_tx(1, second_tag, 0, iso(start))).transaction_id)
            # 2.00 + 2.00 EUR: under the balance; each node hears of the other's cost.
            await one.meter(1, first, 4_000, iso(start + timedelta(minutes=5)))
            await two.meter(1, second, 4_000, iso(start + timedelta(minutes=5)))
            await eventually(lambda: _is(cost_of(api1, first), "2.00"))
            await eventually(lambda: _is(cost_of(api2, second), "2.00"))
            await asyncio.sleep(1)
            for point in (one, two):
                assert not [n for n, _ in point.received if n == "RemoteStopTransaction"]
            # 3.00 + 2.00: the balance is spent; node 1 stops its session, node 2 its own.
            await one.meter(1, first, 6_000, iso(start + timedelta(minutes=10)))
            assert (await one.wait_for_call("RemoteStopTransaction"))["transactionId"] == first
            assert (await two.wait_for_call("RemoteStopTransaction"))["transactionId"] == second
            await asyncio.wait_for(one.stopped.get(), 10)
            await asyncio.wait_for(two.stopped.get(), 10)
        after = await eventually(lambda: _balance(api2, wallet["id"], "0.00"))
        assert after["balance"] == "0.00"


async def _balance(client: httpx.AsyncClient, wallet_id: int, expected: str) -> Json | None:
    found: Json = (await client.get(f"/wallets/{wallet_id}")).json()
    return found if found["balance"] == expected else None
