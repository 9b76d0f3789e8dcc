"""Several ``kilowatt serve`` processes on one database, joined by Redis.

Redis carries commands to the node that holds a station's socket and live events to every
node; it also tells which nodes are alive and which node owns each connected station. Without
``KILOWATT_REDIS_URL`` none of this is built and one process does everything in-process.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from kilowatt.cluster.bus import RedisEventRelay
from kilowatt.cluster.gateway import RedisGateway
from kilowatt.cluster.node import ClusterNode
from kilowatt.config import Settings
from kilowatt.ocpp.gateway import LocalGateway
from kilowatt.ocpp.server import OcppServer
from kilowatt.services.container import Services

__all__ = ["Cluster", "ClusterNode", "RedisEventRelay", "RedisGateway"]


@dataclass
class Cluster:
    node: ClusterNode
    gateway: RedisGateway
    relay: RedisEventRelay

    @classmethod
    def build(
        cls, settings: Settings, services: Services, ocpp: OcppServer, local: LocalGateway
    ) -> Cluster:
        redis = Redis.from_url(
            settings.redis_url,
            decode_responses=True,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
        node = ClusterNode(
            redis,
            services,
            ocpp,
            prefix=settings.redis_prefix,
            node_ttl=settings.cluster_node_ttl,
            sweep_interval=settings.cluster_sweep_interval,
            public_url=settings.effective_public_url,
        )
        ocpp.ownership = node
        return cls(node, RedisGateway(node, local), RedisEventRelay(node, services.bus))

    @property
    def node_id(self) -> str:
        return self.node.id

    async def start(self) -> None:
        """Before the OCPP endpoint accepts stations."""
        self.relay.start()
        await self.node.start()

    async def stop(self) -> None:
        """After the OCPP endpoint has closed its sockets."""
        await self.relay.stop()
        await self.node.stop()
