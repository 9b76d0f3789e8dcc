"""One station's WebSocket: frames in, handlers called in order, answers and calls out."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from kilowatt.domain.errors import DomainError, InvalidInput, NotFound
from kilowatt.domain.events import Direction
from kilowatt.domain.station_security import SecurityProfile
from kilowatt.domain.stations import ProtocolVersion, RegistrationStatus, StationRef
from kilowatt.ocpp import rpc, schemas
from kilowatt.ocpp.message_log import MessageLog
from kilowatt.ocpp.registry import ConnectionRegistry
from kilowatt.ocpp.rpc import Call, CallError, CallResult, ErrorKind, MessageType, RpcError
from kilowatt.services.container import Services

log = structlog.get_logger("kilowatt.ocpp")

Payload = dict[str, Any]
Handler = Callable[["OcppConnection", Payload], Awaitable[Payload]]


class Transport(Protocol):
    remote: str
    close_code: int | None
    close_reason: str

    async def receive(self) -> str | bytes | None:
        """The next data frame, or None once the socket is closed."""
        ...

    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class TransportClosed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Router:
    """The actions a station may call, for one protocol version."""

    version: ProtocolVersion
    handlers: Mapping[str, Handler]
    open_actions: frozenset[str] = field(default_factory=lambda: frozenset({"BootNotification"}))
    """What a station that is not (yet) Accepted may still send."""


class CallFailed(Exception):
    """The station answered our CALL with a CALLERROR."""

    def __init__(self, code: str, description: str, details: Payload) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class ConnectionGone(Exception):
    """The socket closed before the station answered."""


class OcppConnection:
    def __init__(
        self,
        ref: StationRef,
        router: Router,
        transport: Transport,
        services: Services,
        registry: ConnectionRegistry,
        message_log: MessageLog,
        *,
        validate_outgoing: bool = True,
        call_timeout: float = 30.0,
    ) -> None:
        self.ref = ref
        self.router = router
        self.version = router.version
        self.transport = transport
        self.services = services
        self.registry = registry
        self.message_log = message_log
        self.validate_outgoing = validate_outgoing
        self.call_timeout = call_timeout
        self.closed = False
        self.owner = ""
        """This connection as the station's owner, "<node>/<connection>" (domain/ownership.py)."""
        self.authenticated = SecurityProfile.NONE
        """The security profile this connection showed at its handshake (0: it proved nothing)."""
        self._after: list[Callable[[], Awaitable[None]]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._reader: asyncio.Task[Any] | None = None
        self._call_lock = asyncio.Lock()
        self.commands = asyncio.Lock()
        """Held by the gateway for a whole command: sent, answered, outcome recorded."""
        self._pending: tuple[str, str, asyncio.Future[Payload]] | None = None

    # Lifecycle ---------------------------------------------------------------------------

    async def serve(self) -> None:
        """Read frames until the socket closes. Incoming CALLs are handled one at a time, in
        the order they arrive, and each is answered once its work is committed."""
        self._reader = asyncio.current_task()
        try:
            while True:
                frame = await self.transport.receive()
                if frame is None:
                    break
                await self._on_frame(frame)
        finally:
            self.closed = True
            self._fail_pending()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = True
        await self.transport.close(code, reason)

    def after_reply(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` once the answer to the CALL being handled is sent (a handler's
        follow-up CALL, such as CertificateSigned after SignCertificate). Dropped when the
        handler fails."""
        self._after.append(work)

    def _run_after(self) -> None:
        works, self._after = self._after, []
        for work in works:
            task = asyncio.create_task(self._follow_up(work))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _follow_up(self, work: Callable[[], Awaitable[None]]) -> None:
        try:
            await work()
        except Exception:
            log.exception("follow-up of a station message failed", station=self.ref.ocpp_id)

    def set_registration(self, status: RegistrationStatus) -> None:
        if status is not self.ref.registration_status:
            self.ref = replace(self.ref, registration_status=status)

    # Incoming ----------------------------------------------------------------------------

    async def _on_frame(self, raw: str | bytes) -> None:
        self.registry.seen(self.ref.id, datetime.now(UTC))
        if isinstance(raw, bytes):
            await self._refuse_binary(raw)
            return
        text = raw
        try:
            frame = rpc.decode(text)
        except RpcError as error:
            self._log(Direction.IN, MessageType.CALL, error.unique_id or "", "", text)
            if error.unique_id is not None:
                await self._send_error(error.unique_id, "", error)
            else:
                log.warning("malformed reply ignored", station=self.ref.ocpp_id, error=str(error))
            return
        if isinstance(frame, Call):
            self._log(Direction.IN, MessageType.CALL, frame.unique_id, frame.action, text)
            await self._on_call(frame)
        else:
            self._on_reply(frame, text)

    async def _refuse_binary(self, raw: bytes) -> None:
        """OCPP-J messages are text frames. A binary one is not handled: a CALL in it (when its
        id can be read) is answered with a CALLERROR saying so; anything else is dropped."""
        text = raw.decode("utf-8", errors="replace")
        try:
            frame: Call | CallResult | CallError | None = rpc.decode(text)
            unique_id = frame.unique_id if frame is not None else None
        except RpcError as malformed:
            frame, unique_id = None, malformed.unique_id
        action = frame.action if isinstance(frame, Call) else ""
        self._log(Direction.IN, MessageType.CALL, unique_id or "", action, text)
        if frame is not None and not isinstance(frame, Call):
            log.warning("binary reply ignored", station=self.ref.ocpp_id, id=unique_id)
            return
        refusal = RpcError(
            ErrorKind.RPC_FRAMEWORK,
            "binary frames are not OCPP-J: send each message as a text frame",
        )
        await self._send_error(unique_id or "-1", action, refusal)

    async def _on_call(self, call: Call) -> None:
        handler = self.router.handlers.get(call.action)
        if handler is None:
            known = call.action in schemas.actions(self.version)
            error = RpcError(
                ErrorKind.NOT_SUPPORTED if known else ErrorKind.NOT_IMPLEMENTED,
                f"{call.action} is not a message a charging station sends"
                if known
                else f"unknown action {call.action!r}",
            )
            await self._send_error(call.unique_id, call.action, error)
            return
        if (
            self.ref.registration_status is not RegistrationStatus.ACCEPTED
            and call.action not in self.router.open_actions
        ):
            error = RpcError(
                ErrorKind.SECURITY,
                f"station is {self.ref.registration_status.value}, not Accepted: only "
                "BootNotification is handled until an operator accepts it",
            )
            await self._send_error(call.unique_id, call.action, error)
            return
        self._after.clear()
        try:
            schemas.check(self.version, call.action, call.payload, response=False)
            response = await handler(self, call.payload)
        except RpcError as error:
            await self._send_error(call.unique_id, call.action, error)
            return
        except (InvalidInput, NotFound) as error:
            await self._send_error(
                call.unique_id, call.action, RpcError(ErrorKind.PROPERTY, str(error))
            )
            return
        except DomainError as error:
            await self._send_error(
                call.unique_id, call.action, RpcError(ErrorKind.GENERIC, str(error))
            )
            return
        except Exception:
            with contextlib.suppress(Exception):  # reporting must not stop the answer
                log.exception("handler failed", station=self.ref.ocpp_id, action=call.action)
            await self._send_error(
                call.unique_id,
                call.action,
                RpcError(ErrorKind.INTERNAL, "the CSMS could not process this message"),
            )
            return
        if self.validate_outgoing:
            try:
                schemas.check(self.version, call.action, response, response=True)
            except RpcError as error:
                log.error("invalid response built", action=call.action, error=str(error))
                await self._send_error(
                    call.unique_id,
                    call.action,
                    RpcError(ErrorKind.INTERNAL, "the CSMS built an invalid response"),
                )
                return
        await self._send(
            rpc.encode_result(call.unique_id, response),
            MessageType.CALL_RESULT,
            call.unique_id,
            call.action,
        )
        if self._after:
            self._run_after()

    def _on_reply(self, reply: CallResult | CallError, text: str) -> None:
        pending = self._pending
        if pending is None or pending[0] != reply.unique_id:
            kind = (
                MessageType.CALL_RESULT if isinstance(reply, CallResult) else MessageType.CALL_ERROR
            )
            self._log(Direction.IN, kind, reply.unique_id, "", text)
            log.warning("reply to no pending call", station=self.ref.ocpp_id, id=reply.unique_id)
            return
        unique_id, action, future = pending
        if isinstance(reply, CallError):
            self._log(Direction.IN, MessageType.CALL_ERROR, unique_id, action, text)
            if not future.done():
                future.set_exception(CallFailed(reply.code, reply.description, reply.details))
            return
        self._log(Direction.IN, MessageType.CALL_RESULT, unique_id, action, text)
        if future.done():
            return
        try:
            schemas.check(self.version, action, reply.payload, response=True)
        except RpcError as error:
            future.set_exception(CallFailed(error.kind.value, error.description, error.details))
            return
        future.set_result(reply.payload)

    # Outgoing ----------------------------------------------------------------------------

    async def call(
        self,
        action: str,
        payload: Payload,
        timeout: float | None = None,
        on_sent: Callable[[], Awaitable[None]] | None = None,
        logged: Payload | None = None,
    ) -> Payload:
        """Send a CALL and wait for its answer. One CALL is outstanding at a time, as OCPP
        requires; further calls wait their turn, in order. ``on_sent`` runs once the frame is
        on its way (a queued command becomes a sent one). ``logged``: what the message log
        keeps instead of ``payload`` (a payload carrying a secret)."""
        if asyncio.current_task() is self._reader:
            raise RuntimeError("call() from the reading task would wait for itself")
        if self.validate_outgoing:
            schemas.check(self.version, action, payload, response=False)
        async with self._call_lock:
            if self.closed:
                raise ConnectionGone(self.ref.ocpp_id)
            unique_id = str(uuid.uuid4())
            future: asyncio.Future[Payload] = asyncio.get_running_loop().create_future()
            self._pending = (unique_id, action, future)
            try:
                await self._send(
                    rpc.encode_call(unique_id, action, payload),
                    MessageType.CALL,
                    unique_id,
                    action,
                    None if logged is None else rpc.encode_call(unique_id, action, logged),
                )
                if on_sent is not None:
                    await on_sent()
                return await asyncio.wait_for(future, timeout or self.call_timeout)
            finally:
                self._pending = None

    async def _send_error(self, unique_id: str, action: str, error: RpcError) -> None:
        code = rpc.code_for(error.kind, self.version)
        await self._send(
            rpc.encode_error(unique_id, code, error.description, error.details),
            MessageType.CALL_ERROR,
            unique_id,
            action,
        )

    async def _send(
        self, text: str, kind: MessageType, unique_id: str, action: str, logged: str | None = None
    ) -> None:
        self._log(Direction.OUT, kind, unique_id, action, text if logged is None else logged)
        try:
            await self.transport.send(text)
        except TransportClosed:
            self.closed = True

    def _fail_pending(self) -> None:
        if self._pending is not None and not self._pending[2].done():
            self._pending[2].set_exception(ConnectionGone(self.ref.ocpp_id))

    def _log(
        self, direction: Direction, kind: MessageType, unique_id: str, action: str, text: str
    ) -> None:
        self.message_log.record(self.ref.ocpp_id, direction, kind, unique_id, action, text)
