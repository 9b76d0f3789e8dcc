"""The demo's site meter: the managed site's transformer load, published over MQTT.

The load is a base load going from 30 % to 90 % of the transformer and back every ten minutes
(read every 10 s, so that the 50 % and 80 % rules are seen at work) plus what the cars charging
there draw (their meter values, as load management last saw them), so that the load page
shows the sessions sharing the power. It is published on the site's meter topic to the broker
``KILOWATT_MQTT_URL`` names (the demo's default: the local Mosquitto), which Kilowatt subscribes
to as it would to a real meter. Without a broker the readings go to the load service directly,
and the log says so once; a broker lost on the way is tried again every minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from urllib.parse import urlsplit

import aiomqtt
import structlog

from kilowatt.domain.loads import SessionLoad
from kilowatt.domain.users import Principal
from kilowatt.services.container import Services

log = structlog.get_logger(__name__)

DEMO_MQTT_URL = "mqtt://127.0.0.1:1883"
METER_TOPIC = "kilowatt/meters/demo"
PERIOD_STEPS = 60
"""Readings in one rise and fall of the base load (every 10 s: ten minutes)."""
RETRY_SECONDS = 60.0


def demo_mqtt_url() -> str:
    """The broker the demo uses: ``KILOWATT_MQTT_URL`` if set (empty: none), else the local
    Mosquitto of the development machines."""
    return os.environ.get("KILOWATT_MQTT_URL", DEMO_MQTT_URL)


def base_share(step: int) -> float:
    """The base load at the ``step``-th reading, as a share of the transformer: 30 % rising to
    90 % and falling back to 30 % every ``PERIOD_STEPS`` readings."""
    phase = (step % PERIOD_STEPS) / PERIOD_STEPS
    return 0.30 + 0.60 * (1 - abs(2 * phase - 1))


def drawn_w(held: Iterable[SessionLoad | None], voltage: int) -> int:
    """What the cars draw together, in W, from what load management last saw of each."""
    return sum(
        round(h.drawn_a * (h.phases or 3) * voltage) for h in held if h is not None and h.drawn_a
    )


def payload(load_w: int) -> str:
    """A reading as an IoT meter publishes it (docs/load-management.md, "MQTT meters")."""
    return f"{load_w} W"


async def broker_reachable(url: str, timeout: float = 2.0) -> bool:
    """Whether an MQTT broker answers at ``url`` (mqtt://host[:port]); False for none."""
    if not url:
        return False
    try:
        async with _client(url, timeout):
            return True
    except (aiomqtt.MqttError, OSError, ValueError):
        return False


def _client(url: str, timeout: float = 10.0) -> aiomqtt.Client:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError("KILOWATT_MQTT_URL is mqtt://[user:password@]host[:port]")
    return aiomqtt.Client(
        parts.hostname,
        parts.port or 1883,
        username=parts.username,
        password=parts.password,
        timeout=timeout,
        identifier=f"kilowatt-demo-meter-{os.getpid()}",
    )


class DemoMeter:
    """The demo site's meter; ``url`` empty: it reports through the service."""

    def __init__(
        self,
        services: Services,
        org: Principal,
        site_id: int,
        capacity_w: int,
        url: str,
        *,
        topic: str = METER_TOPIC,
        interval: float = 10.0,
    ) -> None:
        self.services = services
        self.org = org
        self.site_id = site_id
        self.capacity_w = capacity_w
        self.url = url
        self.topic = topic
        self.interval = interval
        self.step = 0
        self.published = 0
        self.reported = 0

    async def load_w(self) -> int:
        """The transformer's load now: the base load and what the cars draw."""
        view = await self.services.loads.view(self.org, self.site_id)
        drawn = drawn_w((held for _, held in view.sessions), view.load.settings.voltage)
        return round(self.capacity_w * base_share(self.step)) + drawn

    async def run(self) -> None:
        if not self.url:
            log.warning("demo meter: no MQTT broker, reporting through the service")
        while True:
            if self.url:
                try:
                    async with _client(self.url) as client:
                        log.warning("demo meter: publishing over MQTT", topic=self.topic)
                        while True:
                            await client.publish(self.topic, payload(await self.load_w()), qos=1)
                            self.published += 1
                            await self._next()
                except (aiomqtt.MqttError, OSError) as error:
                    log.warning(
                        "demo meter: MQTT broker unreachable, reporting through the service",
                        error=str(error),
                        retry=RETRY_SECONDS,
                    )
            await self._report_for(RETRY_SECONDS if self.url else None)

    async def _report_for(self, seconds: float | None) -> None:
        """Report through the service, for ``seconds`` (None: for good)."""
        loop = asyncio.get_running_loop()
        until = None if seconds is None else loop.time() + seconds
        while until is None or loop.time() < until:
            await self.services.loads.report(
                self.org, self.site_id, await self.load_w(), source="demo"
            )
            self.reported += 1
            await self._next()

    async def _next(self) -> None:
        self.step += 1
        await asyncio.sleep(self.interval)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
