"""The OCPP endpoint ``/ocpp/{station_id}``: handshake, version choice, connection lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

import orjson
import structlog
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.live import StationDeleted, StationRegistrationChanged
from kilowatt.domain.ownership import new_node_id, owner_token
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import (
    ProtocolVersion,
    RegistrationStatus,
    StationRef,
    check_identity,
)
from kilowatt.ocpp import auth, v16, v201
from kilowatt.ocpp.auth import HandshakeGuard
from kilowatt.ocpp.connection import OcppConnection, Router, TransportClosed
from kilowatt.ocpp.message_log import MessageLog
from kilowatt.ocpp.registry import ConnectionRegistry
from kilowatt.ocpp.v201.transactions import cost_updated
from kilowatt.services.container import Services

log = structlog.get_logger("kilowatt.ocpp")

# Highest first: a station offering several versions gets the newest we both speak.
SUBPROTOCOLS: dict[str, Router] = {
    "ocpp2.0.1": v201.ROUTER,
    "ocpp1.6": v16.ROUTER,
}

# Close codes (RFC 6455 §7.4): 1000 normal, 1001 going away, 1008 policy violation.
REPLACED = (1000, "replaced by a newer connection of the same station")
SHUTDOWN = (1001, "server shutting down")
REMOVED = (1008, "station removed by an operator")


class StarletteTransport:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        client = websocket.client
        self.remote = f"{client.host}:{client.port}" if client else "?"
        self.close_code: int | None = None
        self.close_reason = ""

    async def receive(self) -> str | bytes | None:
        try:
            message = await self.websocket.receive()
        except (RuntimeError, WebSocketDisconnect):
            return None
        if message["type"] == "websocket.disconnect":
            self.close_code = message.get("code")
            self.close_reason = message.get("reason") or ""
            return None
        text = message.get("text")
        if text is not None:
            return str(text)
        return bytes(message.get("bytes") or b"")

    async def send(self, text: str) -> None:
        try:
            await self.websocket.send_text(text)
        except (RuntimeError, WebSocketDisconnect, OSError) as exc:
            raise TransportClosed(str(exc)) from exc

    async def close(self, code: int, reason: str) -> None:
        """Close the socket; never raises. A client that is already gone makes Starlette raise
        WebSocketDisconnect(1006) here: the socket is closed either way."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await self.websocket.close(code, reason)


def choose_subprotocol(offered: list[str]) -> str | None:
    wanted = {name.strip().lower() for name in offered}
    return next((name for name in SUBPROTOCOLS if name in wanted), None)


async def deny(
    websocket: HTTPConnection,
    status: int,
    error: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    body = orjson.dumps({"error": error, "detail": detail})
    response = Response(
        body, status_code=status, media_type="application/json", headers=dict(headers or {})
    )
    assert isinstance(websocket, WebSocket)
    await websocket.send_denial_response(response)


@dataclass(frozen=True, slots=True)
class Denial:
    status: int
    error: str
    detail: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Admitted:
    ref: StationRef
    subprotocol: str
    authenticated: SecurityProfile
    """The profile the connection showed (0: it proved nothing)."""


class Ownership(Protocol):
    """Tells the other nodes which node holds a station's socket (kilowatt/cluster/node.py)."""

    async def claim(self, ocpp_id: str, owner: str) -> None:
        """``owner`` holds the station's socket now; a node holding an older one closes it."""
        ...

    async def release(self, ocpp_id: str, owner: str) -> None:
        """``owner``'s socket closed; forget it unless a newer owner took its place."""
        ...


class SingleNode:
    """The Ownership of a node that is alone: its registry says it all."""

    async def claim(self, ocpp_id: str, owner: str) -> None:
        return None

    async def release(self, ocpp_id: str, owner: str) -> None:
        return None


class OcppServer:
    """Owns this node's station connections and the work that runs beside them."""

    def __init__(
        self,
        services: Services,
        *,
        message_log: MessageLog,
        validate_outgoing: bool,
        call_timeout: float,
        presence_interval: float = 15.0,
        node_id: str | None = None,
        alone: bool = True,
        guard: HandshakeGuard | None = None,
    ) -> None:
        self.services = services
        self.guard = guard or HandshakeGuard()
        self.node_id = node_id or new_node_id()
        self.alone = alone
        """No other node shares the database: at start-up no station can be online."""
        self.ownership: Ownership = SingleNode()
        self.registry = ConnectionRegistry()
        self.message_log = message_log
        self.validate_outgoing = validate_outgoing
        self.call_timeout = call_timeout
        self.presence_interval = presence_interval
        self._tasks: set[asyncio.Task[Any]] = set()
        self._presence: asyncio.Task[None] | None = None
        self.stopping = False
        """Set by ``stop``: the node releases all its stations at once."""

    # Lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self.alone:
            await self.services.provisioning.mark_all_offline()
        self.message_log.start()
        self._presence = asyncio.create_task(self._presence_loop(), name="ocpp-presence")
        self.services.bus.subscribe(StationRegistrationChanged, self._on_registration)
        self.services.bus.subscribe(StationDeleted, self._on_deleted)
        self.services.session_costs.tell_station = self._tell_cost

    async def stop(self) -> None:
        """Shut down: every station of this node goes offline in one statement first, then
        the sockets close (together). The connections' own disconnect records are skipped:
        a graceful shutdown that is cut short must not leave stations marked online."""
        self.stopping = True
        self.services.bus.unsubscribe(StationRegistrationChanged, self._on_registration)
        self.services.bus.unsubscribe(StationDeleted, self._on_deleted)
        remaining = self.registry.all()
        try:
            await self.services.provisioning.release_node(self.node_id, "server shutting down")
        except Exception as exc:
            log.warning("stations could not be marked offline", error=repr(exc))
        for connection in remaining:
            with contextlib.suppress(Exception):
                await self.ownership.release(connection.ref.ocpp_id, connection.owner)
        await asyncio.gather(*(self._close_quietly(c, SHUTDOWN) for c in remaining))
        if self._presence is not None:
            self._presence.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._presence
        for task in list(self._tasks):
            task.cancel()
        await self._flush_presence()
        await self.message_log.stop()

    # Handshake and connection ------------------------------------------------------------

    async def handle(self, websocket: WebSocket) -> None:
        identity = websocket.path_params.get("station_id", "")
        try:
            check_identity(identity)
        except InvalidInput as error:
            await deny(websocket, 400, "invalid_station_id", error.message)
            return
        if not await self.guard.admit():
            log.warning("handshake refused: too many waiting", station=identity)
            await deny(
                websocket,
                503,
                "busy",
                "too many stations are connecting at once; retry shortly",
                {"Retry-After": "5"},
            )
            return
        try:
            async with asyncio.timeout(self.guard.timeout):
                outcome = await self._handshake(websocket, identity)
        except TimeoutError:
            log.warning("handshake timed out", station=identity)
            outcome = Denial(503, "handshake_timeout", "the handshake could not be checked in time")
        finally:
            self.guard.leave()
        if isinstance(outcome, Denial):
            await deny(websocket, outcome.status, outcome.error, outcome.detail, outcome.headers)
            return
        ref, subprotocol = outcome.ref, outcome.subprotocol
        router = SUBPROTOCOLS[subprotocol]
        await websocket.accept(subprotocol=subprotocol)
        transport = StarletteTransport(websocket)
        connection = OcppConnection(
            ref,
            router,
            transport,
            self.services,
            self.registry,
            self.message_log,
            validate_outgoing=self.validate_outgoing,
            call_timeout=self.call_timeout,
        )
        connection.owner = owner_token(self.node_id)
        connection.authenticated = outcome.authenticated
        previous = self.registry.register(connection)
        # From here on the registry holds this connection: whatever happens, it is served or
        # let go, and a replaced socket's failure to close never costs the new one.
        try:
            if previous is not None:
                await self._close_quietly(previous, REPLACED)
            # The database first, then the other nodes: a node holding an older socket closes
            # it only once this connection owns the station, so that its late disconnect is
            # ignored.
            connection.ref = await self.services.provisioning.connected(
                ref, router.version.value, transport.remote, connection.owner
            )
            await self.ownership.claim(identity, connection.owner)
            log.info(
                "station connected",
                station=identity,
                version=router.version.value,
                remote=transport.remote,
                authenticated=int(outcome.authenticated),
            )
            await connection.serve()
        finally:
            await self._let_go(connection, transport)

    async def _close_quietly(self, connection: OcppConnection, reason: tuple[int, str]) -> None:
        try:
            async with asyncio.timeout(5):
                await connection.close(*reason)
        except Exception as exc:  # the old socket is gone whatever happened
            log.info(
                "replaced connection did not close cleanly",
                station=connection.ref.ocpp_id,
                error=repr(exc),
            )

    async def _let_go(self, connection: OcppConnection, transport: StarletteTransport) -> None:
        """The connection ended: forget it and, unless a newer one took the station over or
        this node is stopping (which releases all its stations at once), record that the
        station went offline."""
        identity = connection.ref.ocpp_id
        connection.closed = True
        if self.registry.unregister(connection) and not self.stopping:
            try:
                await self.ownership.release(identity, connection.owner)
                await self.services.provisioning.disconnected(
                    connection.ref, transport.close_code, transport.close_reason, connection.owner
                )
            except Exception as exc:
                log.warning("disconnect not recorded", station=identity, error=repr(exc))
        log.info(
            "station disconnected",
            station=identity,
            code=transport.close_code,
            reason=transport.close_reason or None,
        )

    async def _handshake(self, websocket: WebSocket, identity: str) -> Admitted | Denial:
        """Everything checked before the WebSocket is accepted, then whether the station
        connects too often (ocpp/auth.py). Nothing here touches a connection the station may
        already have: a refused attempt leaves it working."""
        wait = self.guard.flapping(identity)
        if wait > 0:
            log.info("station reconnecting too often", station=identity, retry_after=wait)
            return Denial(
                429,
                "too_many_connections",
                "the station connected too often; try again later",
                {"Retry-After": str(math.ceil(wait))},
            )
        outcome = await self._check(websocket, identity)
        if isinstance(outcome, Denial):
            return outcome
        blocked = self.guard.admitted(identity)
        if blocked is None:
            return outcome
        source = self.guard.source(websocket)
        log.warning(
            "station connects too often: throttled",
            station=identity,
            remote=source,
            connections=blocked.failures,
            retry_after=blocked.retry_after,
        )
        await self.services.station_security.flapping(
            outcome.ref, blocked.failures, self.guard.connect_window, blocked.retry_after, source
        )
        return Denial(
            429,
            "too_many_connections",
            "the station connected too often; try again later",
            {"Retry-After": str(math.ceil(blocked.retry_after))},
        )

    async def _check(self, websocket: WebSocket, identity: str) -> Admitted | Denial:
        """The identity, version, registration and credentials of a connection."""
        source = self.guard.source(websocket)
        shown = auth.presented(websocket, source)
        wait = self.guard.blocked(identity, source, shown.certificate_cn)
        if wait > 0:
            log.info("handshake throttled", station=identity, remote=source, retry_after=wait)
            return Denial(
                429,
                "too_many_attempts",
                "too many failed attempts; try again later",
                {"Retry-After": str(math.ceil(wait))},
            )
        offered = list(websocket.scope.get("subprotocols") or [])
        subprotocol = choose_subprotocol(offered)
        if subprotocol is None:
            return Denial(
                400,
                "unsupported_subprotocol",
                f"offered {offered or 'no subprotocol'}; this server speaks "
                f"{', '.join(SUBPROTOCOLS)}",
            )
        ref = await self.services.provisioning.resolve(identity)
        if ref is None:
            log.info("unknown station refused", station=identity)
            return Denial(404, "unknown_station", f"no station {identity!r} is registered")
        if ref.security_profile == 0 and not shown.basic and shown.certificate_cn is None:
            # Profile 0 and nothing shown: the hot path of an unsecured network, no check.
            return Admitted(ref, subprotocol, SecurityProfile.NONE)
        admission = await self.services.station_security.authenticate(
            ref, shown, connected=self.registry.get(identity) is not None
        )
        if not admission.accepted:
            assert admission.refusal is not None
            (log.warning if admission.wrong else log.info)(
                "station authentication failed" if admission.wrong else "station refused",
                station=identity,
                remote=source,
                reason=admission.refusal.value,
                tls=shown.tls,
            )
            if admission.failure:
                for started in self.guard.failed(identity, source):
                    log.warning(
                        "failed handshakes throttled",
                        key=started.key,
                        failures=started.blocked.failures,
                        retry_after=started.blocked.retry_after,
                    )
                    await self.services.station_security.throttled(
                        ref,
                        started.key,
                        started.blocked.failures,
                        started.blocked.retry_after,
                        source,
                    )
            headers = {"WWW-Authenticate": auth.WWW_AUTHENTICATE} if admission.status == 401 else {}
            return Denial(admission.status, admission.refusal.value, admission.detail, headers)
        if admission.shown > SecurityProfile.NONE:
            self.guard.succeeded(identity, source)
        if admission.raised:
            log.info(
                "security profile raised",
                station=identity,
                before=int(admission.before),
                profile=int(admission.profile),
            )
            ref = replace(ref, security_profile=int(admission.profile))
        return Admitted(ref, subprotocol, admission.shown)

    def kick(self, ocpp_id: str, owner: str) -> bool:
        """The station connected again, as ``owner`` (on another node): close its old socket
        here. False when this node holds no older socket of it."""
        connection = self.registry.get(ocpp_id)
        if connection is None or connection.owner == owner:
            return False
        log.info("station moved to another node", station=ocpp_id, owner=owner)
        self._spawn(connection.close(*REPLACED))
        return True

    # Background --------------------------------------------------------------------------

    def _on_registration(self, event: StationRegistrationChanged) -> None:
        connection = self.registry.get(event.station)
        if connection is None:
            return
        connection.set_registration(event.registration_status)
        if event.registration_status is RegistrationStatus.ACCEPTED:
            # Ask the station to boot again now rather than at its next retry.
            self._spawn(self._trigger_boot(connection))

    def _tell_cost(self, station: str, transaction_id: str, total: Decimal) -> None:
        """A 2.0.1 station that shows running cost, held here: its CostUpdated."""
        connection = self.registry.get(station)
        if connection is not None and connection.version is ProtocolVersion.OCPP201:
            self._spawn(cost_updated(connection, transaction_id, total))

    def _on_deleted(self, event: StationDeleted) -> None:
        connection = self.registry.get(event.station)
        if connection is not None:
            self._spawn(connection.close(*REMOVED))

    async def _trigger_boot(self, connection: OcppConnection) -> None:
        try:
            await connection.call("TriggerMessage", {"requestedMessage": "BootNotification"})
        except Exception as exc:
            log.info("boot trigger not answered", station=connection.ref.ocpp_id, error=str(exc))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _presence_loop(self) -> None:
        while True:
            await asyncio.sleep(self.presence_interval)
            await self._flush_presence()

    async def _flush_presence(self) -> None:
        seen = self.registry.take_seen()
        if not seen:
            return
        try:
            await self.services.provisioning.record_presence(seen)
        except Exception as exc:
            log.warning("presence write failed", error=str(exc), stations=len(seen))
