"""Site meters over MQTT: one subscription (``KILOWATT_MQTT_TOPICS``, a shared subscription
when several nodes run, so that each reading is taken once), each message handed to
``LoadService.report_topic``: the site whose meter publishes on the topic gets the reading,
normalised to W (domain/loads.py ``parse_reading``). A message of no site's topic, or one
that cannot be read, is logged and dropped. A lost connection to the broker is retried."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import unquote, urlsplit

import aiomqtt
import structlog

from kilowatt.domain.errors import InvalidInput
from kilowatt.services.loads import LoadService

log = structlog.get_logger(__name__)

RETRY_SECONDS = 5.0


class MqttMeters:
    def __init__(
        self,
        loads: LoadService,
        url: str,
        topics: str,
        *,
        share_group: str | None = None,
        retry: float = RETRY_SECONDS,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError("KILOWATT_MQTT_URL is mqtt://[user:password@]host[:port]")
        self.hostname = parts.hostname
        self.port = parts.port or 1883
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.loads = loads
        self.topics = topics
        self.subscription = f"$share/{share_group}/{topics}" if share_group else topics
        self.retry = retry
        self.subscribed = asyncio.Event()
        self.received = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mqtt-meters")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(
                    self.hostname,
                    self.port,
                    username=self.username,
                    password=self.password,
                    protocol=aiomqtt.ProtocolVersion.V5,
                ) as client:
                    await client.subscribe(self.subscription, qos=1)
                    self.subscribed.set()
                    log.info("mqtt meters subscribed", topics=self.subscription)
                    async for message in client.messages:
                        await self.handle(str(message.topic), message.payload)
            except aiomqtt.MqttError as error:
                self.subscribed.clear()
                log.warning("mqtt meters disconnected", error=str(error), retry=self.retry)
                await asyncio.sleep(self.retry)

    async def handle(self, topic: str, payload: object) -> None:
        self.received += 1
        if isinstance(payload, bytes | bytearray):
            text = bytes(payload).decode("utf-8", errors="replace")
        else:
            text = str(payload)
        try:
            site = await self.loads.report_topic(topic, text)
        except InvalidInput as error:
            log.info("meter reading refused", topic=topic, field=error.field, reason=error.message)
            return
        except Exception:
            log.exception("meter reading failed", topic=topic)
            return
        if site is None:
            log.debug("meter reading of no site", topic=topic)
