"""One vocabulary for connector states, on SQLite and PostgreSQL: a 1.6 station charging
(Charging) and a 2.0.1 station charging (Occupied, its transaction's chargingState Charging),
real clients over real WebSockets, are both "charging" in the API's counts, on the site page
and in the live events; the 2.0.1 connector's state follows its transaction's chargingState,
and the station's own word stays in the API."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Ids
from tests.integration.web.test_web_monitoring import new_site, visitor
from tests.support.commands import async_api, register, token
from tests.support.ocpp16 import charge_point
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer

Json = dict[str, Any]


@pytest.fixture
async def aapi(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(server) as client:
        yield client


async def site_key(aapi: httpx.AsyncClient, site_id: int) -> httpx.AsyncClient:
    """An API client limited to the site: its counts are the site's alone."""
    response = await aapi.post(
        "/api-keys", json={"name": f"site {site_id}", "role": "viewer", "site_ids": [site_id]}
    )
    assert response.status_code == 201, response.text
    return httpx.AsyncClient(
        base_url=str(aapi.base_url),
        headers={"Authorization": f"Bearer {response.json()['secret']}"},
        timeout=30,
    )


async def counts(api: httpx.AsyncClient) -> Json:
    response = await api.get("/reports/summary")
    assert response.status_code == 200, response.text
    body: Json = response.json()["status"]["connectors"]
    return body


async def state_of(api: httpx.AsyncClient, station: str) -> tuple[str, str]:
    """(state, status) of the station's EVSE 1 connector 1."""
    response = await api.get(f"/stations/{station}/connectors")
    assert response.status_code == 200, response.text
    found = [c for c in response.json() if (c["evse_id"], c["connector_id"]) == (1, 1)]
    return found[0]["state"], found[0]["status"]


async def eventually_state(api: httpx.AsyncClient, station: str, state: str) -> str:
    for _ in range(50):
        now, _said = await state_of(api, station)
        if now == state:
            return now
        await asyncio.sleep(0.1)
    return now


class Events:
    """The live events (GET /api/v1/events) a client receives, gathered in the background."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self.received: list[tuple[str, Json]] = []
        self.task: asyncio.Task[None] | None = None
        self.open = asyncio.Event()

    async def _read(self) -> None:
        async with self.api.stream("GET", "/events", timeout=None) as response:
            self.open.set()
            topic = ""
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    topic = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    self.received.append((topic, orjson.loads(line.split(":", 1)[1])))

    async def __aenter__(self) -> Events:
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.open.wait(), 10)
        await asyncio.sleep(0.3)  # subscribed before anything happens
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task

    async def wait_for(self, topic: str, **fields: Any) -> Json:
        for _ in range(100):
            for got, payload in self.received:
                if got == topic and all(payload.get(k) == v for k, v in fields.items()):
                    return payload
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {topic} {fields} among {self.received}")


def site_counts(html: str) -> dict[str, int]:
    """The site page's "connectors by state": state → count."""
    section = html.split('id="status-counts"', 1)[1].split("</ul>", 1)[0]
    return {
        state: int(number)
        for state, number in re.findall(
            r'<li data-state="([a-z]+)">.*?<span class="count">(\d+)</span>', section
        )
    }


async def test_a_16_and_a_201_station_charging_are_both_charging(
    server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    site_id = await new_site(aapi, f"Two versions {ids.suffix}")
    old, new = ids.station("V16"), ids.station("V201")
    await register(aapi, old, 1, site_id=site_id)
    await register(aapi, new, 1, site_id=site_id)
    tag, other = ids.tag(), ids.tag("OTHER")  # one card charges in one place at a time
    await token(aapi, tag)
    await token(aapi, other)
    admin = await visitor(server, aapi, "admin")
    api = await site_key(aapi, site_id)
    try:
        async with (
            charge_point(server.ocpp_url, old) as cp16,
            charge_point201(server.ocpp_url, new) as cp201,
            Events(api) as live,
        ):
            assert (await cp16.boot()).status == "Accepted"
            assert (await cp201.boot()).status == "Accepted"
            await cp16.status(1, "Preparing")
            started = await cp16.start_tx(1, tag, 1_000)
            await cp16.status(1, "Charging")

            # 2.0.1: plugged in (Occupied), the transaction starts, then energy flows.
            await cp201.status(1, 1, "Occupied")
            assert await eventually_state(api, new, "preparing") == "preparing"
            await cp201.transaction_event(
                "Started",
                "TX-1",
                0,
                "CablePluggedIn",
                10_000,
                id_token=other,
                charging_state="EVConnected",
            )
            assert await state_of(api, new) == ("preparing", "Occupied")
            await cp201.transaction_event(
                "Updated", "TX-1", 1, "ChargingStateChanged", 10_500, charging_state="Charging"
            )
            # The live event pages follow, though the station's word did not change.
            event = await live.wait_for(
                "connector.status", station=new, evse_id=1, connector_id=1, state="charging"
            )
            assert event["status"] == "Occupied"
            await live.wait_for("connector.status", station=old, state="charging")

            # The API: both charging, each counted once, the station's own word kept.
            assert await state_of(api, old) == ("charging", "Charging")
            assert await state_of(api, new) == ("charging", "Occupied")
            now = await counts(api)
            assert now["charging"] == 2
            assert now["total"] == 2
            assert now["preparing"] == now["available"] == now["unknown"] == 0

            # The site page: "Charging 2", never the same thing under two names.
            page = await admin.get(f"/sites/{site_id}")
            assert page.status_code == 200, page.text
            assert site_counts(page.text) == {"charging": 2}
            assert "Occupied" not in page.text
            assert re.search(r'id="figure-in-use">2<', page.text)
            only = await admin.get(f"/sites/{site_id}", state="charging")
            assert f"{old}/1/1</a>" in only.text
            assert f"{new}/1/1</a>" in only.text

            # The chargingState moves: the state follows.
            await cp201.transaction_event(
                "Updated", "TX-1", 2, "ChargingStateChanged", 11_000, charging_state="SuspendedEV"
            )
            await live.wait_for("connector.status", station=new, state="suspended")
            assert await state_of(api, new) == ("suspended", "Occupied")
            page = await admin.get(f"/sites/{site_id}", state="suspended")
            assert site_counts(page.text) == {"charging": 1, "suspended": 1}
            assert f"{new}/1/1</a>" in page.text
            assert f"{old}/1/1</a>" not in page.text

            # It ends with the cable still in: finishing, until the vehicle leaves.
            await cp201.transaction_event(
                "Ended",
                "TX-1",
                3,
                "StopAuthorized",
                11_200,
                stopped_reason="Local",
                charging_state="EVConnected",
            )
            await live.wait_for("connector.status", station=new, state="finishing")
            assert await state_of(api, new) == ("finishing", "Occupied")
            # Said Occupied again (say, after reconnecting): still finishing.
            await cp201.status(1, 1, "Occupied")
            assert await state_of(api, new) == ("finishing", "Occupied")
            await cp201.status(1, 1, "Available")
            assert await eventually_state(api, new, "available") == "available"

            await cp16.stop_tx(started.transaction_id, 3_000)
            await cp16.status(1, "Finishing")
            assert await eventually_state(api, old, "finishing") == "finishing"
            assert (await counts(api))["finishing"] == 1

        # Both stations gone: offline, whatever they said last.
        for _ in range(50):
            after = await counts(api)
            if after["offline"] == 2:
                break
            await asyncio.sleep(0.1)
        assert after["offline"] == 2
        assert await state_of(api, new) == ("offline", "Available")
    finally:
        await api.aclose()
        await admin.client.aclose()
