"""Live events across nodes: what a node publishes goes to Redis too, and what other nodes
publish reaches this node's subscribers.

An event travels as its topic and its wire object (domain/live_codec.py, as in the SSE
streams) and is read back into its dataclass on arrival; one that does not decode (a node of
another version) is logged and dropped. Events are sent in the background, batched into one
pipeline, so that publishing stays a plain function call on the hot path. Each message names
the node it came from: a node drops its own, and relayed events are delivered here without
being forwarded again (no echo).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from redis.exceptions import RedisError

from kilowatt.cluster.node import ClusterNode, Message, encode
from kilowatt.domain.live import LiveEvent
from kilowatt.domain.live_codec import decode
from kilowatt.domain.live_codec import encode as wire
from kilowatt.services.bus import InProcessBus

log = structlog.get_logger("kilowatt.cluster")

BATCH = 500


class RedisEventRelay:
    def __init__(self, node: ClusterNode, bus: InProcessBus, *, max_pending: int = 50_000) -> None:
        self.node = node
        self.bus = bus
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=max_pending)
        self._pump: asyncio.Task[None] | None = None
        self.dropped = 0
        node.event_handler = self._receive

    def start(self) -> None:
        self.bus.forward_to(self.send)
        self._pump = asyncio.create_task(self._run(), name="cluster-events")

    async def stop(self, drain: float = 2.0) -> None:
        """Stop forwarding; what is already queued gets ``drain`` seconds to leave."""
        self.bus.stop_forwarding(self.send)
        if self._pump is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain):
                await self._queue.join()
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._pump

    def send(self, event: LiveEvent) -> None:
        message = encode({"node": self.node.id, "topic": event.topic, "payload": wire(event)})
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("events not sent to other nodes", dropped=self.dropped)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self.node.broadcast(batch)
            except (RedisError, OSError) as exc:
                log.warning("events not sent to other nodes", count=len(batch), error=str(exc))
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _receive(self, message: Message) -> None:
        if message.get("node") == self.node.id:
            return
        payload = message.get("payload")
        if not isinstance(payload, dict):
            raise ValueError("event without a payload")
        self.bus.deliver(decode(str(message.get("topic")), payload))
