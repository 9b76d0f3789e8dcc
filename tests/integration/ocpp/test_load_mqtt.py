"""A site meter over MQTT, through the real local Mosquitto: Kilowatt subscribes, a reading
published on the site's topic becomes the site's load (normalised to W), pushes the site over
80 % and the station charging there is sent its new limit; a reading it cannot read, and one
of a topic no site names, change nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import pytest

from tests.conftest import BACKENDS, Ids
from tests.integration.ocpp.test_load_management import limit_of, managed_site, next_limit, start
from tests.support.commands import async_api, eventually, register, token
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer, start_server, stop_server

Json = dict[str, Any]
BROKER = ("127.0.0.1", 1883)
PREFIX = f"kilowatt-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module", params=BACKENDS)
def mqtt_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-mqtt-{request.param}"))
    server = start_server(
        str(request.param),
        data_dir,
        mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}",
        mqtt_topics=f"{PREFIX}/#",
    )
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
async def aapi(mqtt_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with async_api(mqtt_server) as client:
        yield client


async def publish(topic: str, payload: str) -> None:
    async with aiomqtt.Client(*BROKER) as client:
        await client.publish(topic, payload, qos=1)


async def site_load(aapi: httpx.AsyncClient, site_id: int) -> Json:
    response = await aapi.get(f"/sites/{site_id}/load")
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_a_meter_publishing_over_mqtt_drives_the_site_s_limits(
    mqtt_server: RunningServer, aapi: httpx.AsyncClient, ids: Ids
) -> None:
    topic = f"{PREFIX}/{ids.suffix}/transformer"
    site_id = await managed_site(aapi, ids, meter_topic=topic, reserve_pct=0)
    station = ids.station()
    await register(aapi, station, connectors=1, site_id=site_id)
    tag = ids.tag()
    await token(aapi, tag)
    async with charge_point(mqtt_server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        assert "mqtt meters subscribed" in mqtt_server.log()
        await publish(topic, "30 kW")
        load = await eventually(
            lambda: site_load(aapi, site_id), lambda b: b["load_w"] == 30_000, timeout=10
        )
        assert (load["load_w"], load["measured"], load["state"]) == (30_000, True, "normal")
        assert load["readings"][0]["source"] == "mqtt"

        await start(cp, 1, tag)
        assert limit_of(await next_limit(cp)) == (1, 32.0, 3)

        # 85 kW as an IoT meter's JSON: above 80 %, 15 kW left: 21.7 A on three phases.
        await publish(topic, '{"power": 85, "unit": "kW"}')
        assert limit_of(await next_limit(cp)) == (1, 21.7, 3)
        load = await site_load(aapi, site_id)
        assert (load["load_w"], load["state"]) == (85_000, "hold")

        # Unreadable, and of a topic no site names: dropped.
        await publish(topic, "lots of power")
        await publish(f"{PREFIX}/{ids.suffix}/elsewhere", "1 kW")
        await publish(topic, "86000")  # a marker: once it is in, the two before were handled
        load = await eventually(
            lambda: site_load(aapi, site_id), lambda b: b["load_w"] == 86_000, timeout=10
        )
        assert [r["load_w"] for r in load["readings"]] == [86_000, 85_000, 30_000]
    assert "meter reading refused" in mqtt_server.log()
