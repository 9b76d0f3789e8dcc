"""A client of the live events (GET /api/v1/events), reading in the background."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import orjson

Json = dict[str, Any]


class LiveEvents:
    """``async with LiveEvents(api) as live``: the events ``api``'s key may see, from the
    moment the stream said it was subscribed, as (topic, payload) in the order they came."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self.received: list[tuple[str, Json]] = []
        self._arrived = asyncio.Event()
        self._subscribed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveEvents:
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._subscribed.wait(), 10)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._reader is not None
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        async with self.api.stream("GET", "/events", timeout=None) as response:
            assert response.status_code == 200
            topic = ""
            async for line in response.aiter_lines():
                if line.startswith(": subscribed"):
                    self._subscribed.set()
                elif line.startswith("event: "):
                    topic = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.received.append((topic, orjson.loads(line.removeprefix("data: "))))
                    self._arrived.set()

    def of(self, topic: str, **fields: Any) -> list[Json]:
        """The events of ``topic`` received so far whose payload has ``fields``."""
        return [
            payload
            for got, payload in self.received
            if got == topic and all(payload.get(k) == v for k, v in fields.items())
        ]

    async def wait_for(self, topic: str, timeout: float = 10, **fields: Any) -> Json:
        """The first event of ``topic`` whose payload has ``fields``, once it has come."""
        async with asyncio.timeout(timeout):
            while not (found := self.of(topic, **fields)):
                self._arrived.clear()
                await self._arrived.wait()
        return found[0]

    def topics(self, station: str, prefix: str = "") -> list[str]:
        """The topics of the station's events so far (those starting with ``prefix``)."""
        return [
            topic
            for topic, payload in self.received
            if payload.get("station") == station and topic.startswith(prefix)
        ]
