"""Commands reach a station on whichever node holds its socket.

The asking node publishes the request to the inbox of the node that owns the station. That node
confirms at once that it took the request, runs it through its LocalGateway (which records its
progress in the shared database: it may wait behind the station's outstanding CALL, then for
the station's answer) and publishes the outcome back to the asking node's inbox.

The asking node waits for the confirmation ``reply_margin`` seconds, then for the outcome for as
long as the owning node stays alive: a node that stopped or died fails the command with a clear
error instead of leaving it waiting.
"""

from __future__ import annotations

import asyncio
import secrets

import structlog
from redis.exceptions import RedisError

from kilowatt.cluster.node import ClusterNode, Message
from kilowatt.domain.command_params import CommandParams
from kilowatt.domain.commands import CommandRequest, CommandStatus, Outcome
from kilowatt.domain.ownership import node_of
from kilowatt.domain.stations import OcppId
from kilowatt.ocpp.gateway import LocalGateway

log = structlog.get_logger("kilowatt.cluster")

REPLY_MARGIN = 5.0
"""Seconds for the owning node to confirm that it took a request."""


class _Pending:
    def __init__(self) -> None:
        self.taken = asyncio.Event()
        self.outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()


class RedisGateway:
    """The StationGateway of a node among several."""

    def __init__(
        self,
        node: ClusterNode,
        local: LocalGateway,
        *,
        reply_margin: float = REPLY_MARGIN,
        liveness_interval: float | None = None,
    ) -> None:
        self.node = node
        self.local = local
        self.reply_margin = reply_margin
        self.liveness_interval = liveness_interval or node.heartbeat_interval
        self._waiting: dict[str, _Pending] = {}
        node.handlers["command"] = self._on_command
        node.handlers["taken"] = self._on_taken
        node.handlers["outcome"] = self._on_outcome

    def check(self, protocol_version: str, params: CommandParams) -> None:
        self.local.check(protocol_version, params)

    async def is_online(self, ocpp_id: OcppId) -> bool:
        """Some live node holds the station's socket."""
        if await self.local.is_online(ocpp_id):
            return True
        try:
            holder = node_of(await self.node.owner_of(ocpp_id))
            return (
                holder is not None and holder != self.node.id and await self.node.is_alive(holder)
            )
        except RedisError as exc:
            log.warning("station owner unknown: Redis unreachable", station=ocpp_id, error=str(exc))
            return False

    async def execute(self, request: CommandRequest) -> Outcome:
        try:
            holder = node_of(await self.node.owner_of(request.station_ocpp_id))
        except RedisError as exc:
            log.warning("station owner unknown: Redis unreachable", error=str(exc))
            holder = None
        if holder is None or holder == self.node.id:
            return await self.local.execute(request)
        return await self._forward(holder, request)

    async def _forward(self, holder: str, request: CommandRequest) -> Outcome:
        request_id = secrets.token_hex(8)
        pending = self._waiting[request_id] = _Pending()
        message = {
            "type": "command",
            "id": request_id,
            "reply_to": self.node.id,
            "request": request.as_dict(),
        }
        try:
            if await self.node.send(holder, message) == 0:
                return _node_failed(holder, "is not running")
            try:
                async with asyncio.timeout(self.reply_margin):
                    await pending.taken.wait()
            except TimeoutError:
                return _node_failed(holder, f"did not take it within {self.reply_margin:g} s")
            return await self._outcome(holder, request, pending.outcome)
        except RedisError as exc:
            return Outcome(CommandStatus.FAILED, error=f"could not reach node {holder}: {exc}")
        finally:
            self._waiting.pop(request_id, None)

    async def _outcome(
        self, holder: str, request: CommandRequest, outcome: asyncio.Future[Outcome]
    ) -> Outcome:
        """The outcome, as long as the node that took the request is alive to send it."""
        started = asyncio.get_running_loop().time()
        while True:
            await asyncio.wait({outcome}, timeout=self.liveness_interval)
            if outcome.done():
                return outcome.result()
            try:
                alive = await self.node.is_alive(holder)
            except RedisError:
                # Without Redis no outcome can come either; allow the command its own time.
                waited = asyncio.get_running_loop().time() - started
                alive = waited < request.timeout + self.reply_margin
            if not alive:
                return _node_failed(holder, "stopped before the station answered")

    # The node holding the socket ---------------------------------------------------------

    def _on_command(self, message: Message) -> None:
        request = CommandRequest.from_dict(message["request"])
        self.node.spawn(self._serve(str(message["id"]), str(message["reply_to"]), request))

    async def _serve(self, request_id: str, reply_to: str, request: CommandRequest) -> None:
        try:
            await self.node.send(reply_to, {"type": "taken", "id": request_id})
        except RedisError as exc:
            log.warning("command not confirmed", command=request.command_id, error=str(exc))
        try:
            outcome = await self.local.execute(request)
        except Exception as exc:
            log.exception("command failed", command=request.command_id)
            outcome = Outcome(CommandStatus.FAILED, error=f"could not be sent: {exc}")
        reply = {"type": "outcome", "id": request_id, "outcome": outcome.as_dict()}
        try:
            await self.node.send(reply_to, reply)
        except RedisError as exc:
            log.warning("command outcome not returned", command=request.command_id, error=str(exc))

    def _on_taken(self, message: Message) -> None:
        pending = self._waiting.get(str(message["id"]))
        if pending is not None:
            pending.taken.set()

    def _on_outcome(self, message: Message) -> None:
        pending = self._waiting.get(str(message["id"]))
        if pending is not None:
            pending.taken.set()
            if not pending.outcome.done():
                pending.outcome.set_result(Outcome.from_dict(message["outcome"]))


def _node_failed(holder: str, what: str) -> Outcome:
    return Outcome(
        CommandStatus.FAILED, error=f"node {holder}, which holds the station's connection, {what}"
    )
