"""The demo's site meter through the real local Mosquitto, on SQLite as `kilowatt demo` runs:
its readings are published on the site's topic and come back through Kilowatt's MQTT
subscription as the site's load (source "mqtt"); with no broker they are reported through the
service instead (source "demo")."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kilowatt.bootstrap import Container, build, prepare_database
from kilowatt.config import Settings
from kilowatt.demo_meter import DemoMeter, broker_reachable, stop
from kilowatt.domain.loads import LoadReading, LoadSettings
from kilowatt.domain.users import Principal
from kilowatt.services.sites import SiteInput

BROKER = "mqtt://127.0.0.1:1883"
PREFIX = f"kilowatt-demo-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def container(tmp_path: Path) -> AsyncIterator[Container]:
    made = build(Settings(data_dir=tmp_path, mqtt_url=BROKER, mqtt_topics=f"{PREFIX}/#"))
    await prepare_database(made.database, upgrade=True)
    assert made.meters is not None
    await made.meters.start()
    try:
        yield made
    finally:
        await made.meters.stop()
        await made.services.close()
        await made.database.dispose()


async def _site(container: Container, topic: str) -> tuple[Principal, int]:
    services = container.services
    organization = await services.organizations.ensure(f"Demo meter {uuid.uuid4().hex[:6]}")
    assert organization.id is not None
    org = Principal.system(organization.id, "test")
    site = await services.sites.create(org, SiteInput(name="Depot", grid_capacity_w=100_000))
    assert site.id is not None
    await services.loads.configure(org, site.id, LoadSettings(meter_topic=topic), 100_000)
    return org, site.id


async def _readings(
    container: Container, org: Principal, site_id: int, count: int
) -> list[LoadReading]:
    async with asyncio.timeout(30):
        while True:
            view = await container.services.loads.view(org, site_id)
            if len(view.readings) >= count:
                return view.readings
            await asyncio.sleep(0.05)


async def test_the_demo_meter_publishes_over_mqtt_and_kilowatt_takes_it(
    container: Container,
) -> None:
    assert await broker_reachable(BROKER)
    assert container.meters is not None
    await asyncio.wait_for(container.meters.subscribed.wait(), 10)
    topic = f"{PREFIX}/demo"
    org, site_id = await _site(container, topic)
    meter = DemoMeter(container.services, org, site_id, 100_000, BROKER, topic=topic, interval=0.1)
    task = asyncio.create_task(meter.run())
    try:
        readings = await _readings(container, org, site_id, 3)
    finally:
        await stop(task)
    assert {r.source for r in readings} == {"mqtt"}
    assert meter.published >= 3
    assert meter.reported == 0
    # The base load rises from 30 % of the transformer.
    assert sorted(r.load_w for r in readings)[0] >= 30_000


async def test_without_a_broker_the_demo_meter_reports_through_the_service(
    container: Container,
) -> None:
    closed = "mqtt://127.0.0.1:1"
    assert not await broker_reachable(closed)
    org, site_id = await _site(container, f"{PREFIX}/none")
    meter = DemoMeter(container.services, org, site_id, 100_000, "", interval=0.2)
    task = asyncio.create_task(meter.run())
    try:
        readings = await _readings(container, org, site_id, 2)
    finally:
        await stop(task)
    assert {r.source for r in readings} == {"demo"}
    assert readings[-1].load_w == 30_000  # the first reading: 30 % of 100 kW, no car
    # A broker that does not answer: the readings go through the service too. (Counted from
    # what is there now; the first meter's last report may still land after it stopped.)
    already = len((await container.services.loads.view(org, site_id)).readings)
    lost = DemoMeter(container.services, org, site_id, 100_000, closed, interval=0.2)
    task = asyncio.create_task(lost.run())
    try:
        async with asyncio.timeout(30):
            while lost.reported < 2:
                await asyncio.sleep(0.05)
        readings = await _readings(container, org, site_id, already + 2)
    finally:
        await stop(task)
    assert {r.source for r in readings} == {"demo"}
    assert lost.published == 0
