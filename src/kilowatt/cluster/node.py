"""One node among several: membership, station ownership, messages between nodes.

What Redis holds, under the installation's prefix (``KILOWATT_REDIS_PREFIX``):

- ``<prefix>:node:<id>``: the node is alive while this key exists; it expires ``node_ttl``
  seconds after the node's last heartbeat (a crashed node's key simply runs out);
- ``<prefix>:nodes``: the ids of nodes that have run, pruned of the dead ones by the sweep;
- ``<prefix>:owners``: a hash, station identity → owner (``<node>/<connection>``);
- channel ``<prefix>:inbox:<id>``: messages to one node (kick, command, outcome);
- channel ``<prefix>:events``: live events of every node (kilowatt/cluster/bus.py).

The database stays the record of who is online: each station row names its owner, and a
node only takes a station offline while its own connection still owns it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kilowatt.domain.ownership import node_of
from kilowatt.ocpp.server import OcppServer
from kilowatt.services.container import Services

log = structlog.get_logger("kilowatt.cluster")

Message = dict[str, Any]
Handler = Callable[[Message], None]

# Owner of a station, swapped atomically: the answer is the owner it replaces.
CLAIM = """
local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return previous
"""
# Forget an owner, unless a newer one has taken its place.
RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    @property
    def nodes(self) -> str:
        return f"{self.prefix}:nodes"

    @property
    def owners(self) -> str:
        return f"{self.prefix}:owners"

    @property
    def events(self) -> str:
        return f"{self.prefix}:events"

    def node(self, node_id: str) -> str:
        return f"{self.prefix}:node:{node_id}"

    def inbox(self, node_id: str) -> str:
        return f"{self.prefix}:inbox:{node_id}"


def text(value: bytes | str | None) -> str | None:
    """A Redis answer as text (the client decodes answers; scripts and tests may not)."""
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else value


def encode(message: Message) -> bytes:
    return orjson.dumps(message, default=str)


class ClusterNode:
    """This process as a member of the cluster; the OCPP server's Ownership."""

    def __init__(
        self,
        redis: Redis,
        services: Services,
        ocpp: OcppServer,
        *,
        prefix: str,
        node_ttl: float,
        sweep_interval: float,
        public_url: str = "",
    ) -> None:
        self.redis = redis
        self.services = services
        self.ocpp = ocpp
        self.id = ocpp.node_id
        self.keys = Keys(prefix)
        self.node_ttl = node_ttl
        self.heartbeat_interval = max(node_ttl / 3, 0.2)
        self.sweep_interval = sweep_interval
        self.public_url = public_url
        self.handlers: dict[str, Handler] = {"kick": self._on_kick}
        self.event_handler: Handler | None = None
        self._claims: dict[str, str] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._pubsub = redis.pubsub()
        self._claim = redis.register_script(CLAIM)
        self._release = redis.register_script(RELEASE)

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Join: listen first (a kick may come as soon as a station connects here), announce
        this node alive, then take offline what dead nodes left online."""
        await self._pubsub.subscribe(self.keys.inbox(self.id), self.keys.events)
        self._loops.append(asyncio.create_task(self._listen(), name="cluster-listen"))
        await self._heartbeat()
        released = await self.services.provisioning.release_orphans(await self.live_nodes())
        log.info(
            "cluster node started",
            node=self.id,
            prefix=self.keys.prefix,
            nodes=sorted(await self.live_nodes()),
            released=len(released),
        )
        self._loops.append(asyncio.create_task(self._heartbeat_loop(), name="cluster-heartbeat"))
        self._loops.append(asyncio.create_task(self._sweep_loop(), name="cluster-sweep"))

    async def stop(self) -> None:
        """Leave: give up this node's stations and its liveness, at once rather than when its
        key expires."""
        for task in [*self._loops, *self._tasks]:
            task.cancel()
        for task in [*self._loops, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loops.clear()
        try:
            for ocpp_id, owner in list(self._claims.items()):
                await self._release(keys=[self.keys.owners], args=[ocpp_id, owner])
            self._claims.clear()
            pipe = self.redis.pipeline(transaction=False)
            pipe.delete(self.keys.node(self.id))
            pipe.srem(self.keys.nodes, self.id)
            await pipe.execute()
        except RedisError as exc:
            log.warning("cluster leave incomplete", node=self.id, error=str(exc))
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()
        await self.redis.aclose()
        log.info("cluster node stopped", node=self.id)

    # Membership --------------------------------------------------------------------------

    async def is_alive(self, node_id: str) -> bool:
        if node_id == self.id:
            return True
        return bool(await self.redis.exists(self.keys.node(node_id)))

    async def live_nodes(self) -> set[str]:
        """Every node whose liveness key exists (this one always counts as alive)."""
        members = sorted(str(text(m)) for m in await self.redis.smembers(self.keys.nodes))
        pipe = self.redis.pipeline(transaction=False)
        for member in members:
            pipe.exists(self.keys.node(member))
        alive = await pipe.execute() if members else []
        live = {member for member, exists in zip(members, alive, strict=True) if exists}
        dead = set(members) - live - {self.id}
        if dead:
            await self.redis.srem(self.keys.nodes, *dead)
        return live | {self.id}

    async def _heartbeat(self) -> bool:
        """Refresh this node's key; True when it had expired meanwhile (or never existed)."""
        value = orjson.dumps({"url": self.public_url}).decode()
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.keys.node(self.id), value, px=int(self.node_ttl * 1000), get=True)
        pipe.sadd(self.keys.nodes, self.id)
        previous, _ = await pipe.execute()
        return previous is None

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                lapsed = await self._heartbeat()
            except RedisError as exc:
                log.warning("cluster heartbeat failed", node=self.id, error=str(exc))
                continue
            if lapsed:
                log.warning("cluster node had lapsed; taking its stations back", node=self.id)
                await self._reclaim()

    async def _reclaim(self) -> None:
        """Our key expired (Redis unreachable, a long pause): other nodes may have taken our
        stations offline. Take back those still connected here and owned by no live node."""
        for connection in self.ocpp.registry.all():
            ocpp_id, owner = connection.ref.ocpp_id, connection.owner
            try:
                current = text(await self.redis.hget(self.keys.owners, ocpp_id))
                holder = node_of(current)
                if current not in (None, owner) and holder and await self.is_alive(holder):
                    continue
                await self.redis.hset(self.keys.owners, ocpp_id, owner)
                self._claims[ocpp_id] = owner
                await self.services.provisioning.reclaim(connection.ref, owner)
            except Exception as exc:
                log.warning("station not reclaimed", station=ocpp_id, error=str(exc))

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                live = await self.live_nodes()
                released = await self.services.provisioning.release_orphans(live)
            except Exception as exc:
                log.warning("cluster sweep failed", node=self.id, error=str(exc))
                continue
            if released:
                log.info(
                    "stations of stopped nodes taken offline",
                    stations=[station.ocpp_id for station in released],
                    nodes=sorted({str(station.node) for station in released}),
                )

    # Ownership (the OCPP server's) -------------------------------------------------------

    async def claim(self, ocpp_id: str, owner: str) -> None:
        self._claims[ocpp_id] = owner
        try:
            previous = text(await self._claim(keys=[self.keys.owners], args=[ocpp_id, owner]))
            holder = node_of(previous)
            if previous and previous != owner and holder and holder != self.id:
                await self.send(holder, {"type": "kick", "station": ocpp_id, "owner": owner})
        except RedisError as exc:
            log.warning("station ownership not recorded", station=ocpp_id, error=str(exc))

    async def release(self, ocpp_id: str, owner: str) -> None:
        if self._claims.get(ocpp_id) == owner:
            del self._claims[ocpp_id]
        try:
            await self._release(keys=[self.keys.owners], args=[ocpp_id, owner])
        except RedisError as exc:
            log.warning("station ownership not released", station=ocpp_id, error=str(exc))

    async def owner_of(self, ocpp_id: str) -> str | None:
        return text(await self.redis.hget(self.keys.owners, ocpp_id))

    def _on_kick(self, message: Message) -> None:
        self.ocpp.kick(str(message["station"]), str(message["owner"]))

    # Messages ----------------------------------------------------------------------------

    async def send(self, node_id: str, message: Message) -> int:
        """Publish to one node's inbox; the answer is how many listeners got it (0: gone)."""
        return int(await self.redis.publish(self.keys.inbox(node_id), encode(message)))

    async def broadcast(self, payloads: list[bytes]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for payload in payloads:
            pipe.publish(self.keys.events, payload)
        await pipe.execute()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _listen(self) -> None:
        inbox, events = self.keys.inbox(self.id), self.keys.events
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except (RedisError, OSError) as exc:
                log.warning("cluster channel lost; reconnecting", node=self.id, error=str(exc))
                await asyncio.sleep(1)
                continue
            if message is None or message.get("type") != "message":
                continue
            try:
                data = orjson.loads(message["data"])
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                channel = message["channel"]
                channel = channel.decode() if isinstance(channel, bytes) else str(channel)
                if channel == events:
                    if self.event_handler is not None:
                        self.event_handler(data)
                elif channel == inbox:
                    handler = self.handlers.get(str(data.get("type")))
                    if handler is None:
                        raise ValueError(f"unknown message type {data.get('type')!r}")
                    handler(data)
            except Exception as exc:
                log.warning("cluster message ignored", node=self.id, error=str(exc))
