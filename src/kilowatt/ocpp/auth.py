"""What a connecting station presents at the handshake, and the guard in front of checking it.

The guard bounds the work an unauthenticated client can cause: handshakes checked at once,
the time one may take, and failed attempts per source address and per station identity
(throttled with a growing block, answered 429 without any check meanwhile). The throttle is
kept per process; behind several nodes each node counts its own.

A station's usual source address is exempt from its identity's block, and so is a client
certificate issued to it: someone failing elsewhere cannot lock the real station out, only
slow down attempts from their own address.

Connections that get in are counted too, per station identity: a station that connects more
than ``max_connects`` times within ``connect_window`` seconds (a reboot loop, a client stuck
reconnecting, or someone replaying a profile 0 identity) is refused with 429 for a while,
with the same growing block. Only admitted connections count, so an attacker without the
station's credentials cannot trip it for a station of profile 1 or more.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from starlette.requests import HTTPConnection

from kilowatt.clients import Network, client_address
from kilowatt.domain.station_security import Presented
from kilowatt.domain.throttling import Blocked, Throttle

WWW_AUTHENTICATE = 'Basic realm="OCPP", charset="UTF-8"'
KNOWN_SOURCES = 100_000


def basic_credentials(header: str | None) -> tuple[str | None, str | None, str]:
    """(user name, password, why it is malformed) of an ``Authorization: Basic`` header."""
    if header is None:
        return None, None, ""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None, None, f"{scheme[:20]} authentication is not used here (Basic)"
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None, None, "the Basic credentials are not base64"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    username, colon, password = text.partition(":")
    if not colon:
        return None, None, "the Basic credentials have no ':'"
    return username, password, ""


def certificate_common_name(pem: str) -> str:
    """The subject CN of a PEM certificate; "" when it has none (or several, or is unreadable),
    which matches no station."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return ""
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(values) != 1:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else ""


def tls_of(scope: Mapping[str, Any]) -> tuple[bool, str | None]:
    """(over TLS, CN of a verified client certificate) from the ASGI TLS extension, which
    Kilowatt's WebSocket protocol fills in from the socket itself (kilowatt/tls.py; the
    scheme of the scope may come from a proxy header and says nothing here)."""
    tls = (scope.get("extensions") or {}).get("tls")
    if not isinstance(tls, Mapping):
        return False, None
    chain = tls.get("client_cert_chain") or []
    if not chain or tls.get("client_cert_error") is not None:
        return True, None
    return True, certificate_common_name(str(chain[0]))


def presented(connection: HTTPConnection, source: str) -> Presented:
    username, password, malformed = basic_credentials(connection.headers.get("authorization"))
    tls, certificate_cn = tls_of(connection.scope)
    return Presented(
        tls=tls,
        username=username,
        password=password,
        certificate_cn=certificate_cn,
        remote=source,
        malformed=malformed,
    )


@dataclass(frozen=True, slots=True)
class BlockStarted:
    key: str
    """``station X`` or ``address Y``."""
    blocked: Blocked


class HandshakeGuard:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        max_failures_per_source: int = 20,
        window: float = 60.0,
        block: float = 30.0,
        max_block: float = 900.0,
        max_handshakes: int = 200,
        max_waiting: int = 20_000,
        queue_timeout: float = 30.0,
        timeout: float = 10.0,
        max_connects: int = 10,
        connect_window: float = 60.0,
        connect_block: float = 30.0,
        connect_max_block: float = 600.0,
        trusted_proxies: Sequence[Network] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trusted_proxies = list(trusted_proxies)
        self.stations = Throttle(
            limit=max_failures, window=window, block=block, max_block=max_block
        )
        self.sources = Throttle(
            limit=max_failures_per_source, window=window, block=block, max_block=max_block
        )
        # The connection over the limit starts the block: max_connects get in, the next not.
        self.connects = Throttle(
            limit=max_connects + 1,
            window=connect_window,
            block=connect_block,
            max_block=connect_max_block,
        )
        self.connect_window = connect_window
        self.max_handshakes = max_handshakes
        self.max_waiting = max_waiting
        self.queue_timeout = queue_timeout
        self._waiting: deque[asyncio.Future[None]] = deque()
        self.timeout = timeout
        self.clock = clock
        self.active = 0
        self._known: OrderedDict[str, str] = OrderedDict()
        """Station identity → the address it last authenticated from."""

    def source(self, connection: HTTPConnection) -> str:
        """The client's address: the peer's, or behind a trusted proxy the forwarded one."""
        peer = connection.client.host if connection.client else None
        forwarded = connection.headers.get("x-forwarded-for")
        return client_address(peer, forwarded, self.trusted_proxies) or "?"

    # Handshakes at once ------------------------------------------------------------------

    def enter(self) -> bool:
        """A place among the handshakes checked at once, now or not at all."""
        if self.active >= self.max_handshakes or self._waiting:
            return False
        self.active += 1
        return True

    async def admit(self) -> bool:
        """A place among the handshakes checked at once, waiting for it in a bounded queue,
        first come first served: a storm of thousands of stations reconnecting is let in as
        fast as handshakes finish instead of being answered 503 and retrying all at once.
        False (answer 503) only when ``max_waiting`` already wait or none came free within
        ``queue_timeout`` seconds."""
        if self.enter():
            return True
        if len(self._waiting) >= self.max_waiting:
            return False
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(place)
        try:
            async with asyncio.timeout(self.queue_timeout):
                await asyncio.shield(place)
        except TimeoutError:
            self._give_up(place)
            return False
        except BaseException:  # cancelled: the station went away while it waited
            self._give_up(place)
            raise
        return True

    def _give_up(self, place: asyncio.Future[None]) -> None:
        if place.done() and not place.cancelled():
            self.leave()  # handed a place just as it gave up: pass it on
        else:
            place.cancel()
            with contextlib.suppress(ValueError):
                self._waiting.remove(place)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def leave(self) -> None:
        """A handshake finished: its place goes to the longest waiter, if any."""
        while self._waiting:
            place = self._waiting.popleft()
            if not place.done():
                place.set_result(None)  # the place passes on: ``active`` stays the same
                return
        self.active -= 1

    # Failed attempts ---------------------------------------------------------------------

    def blocked(self, ocpp_id: str, source: str, certificate_cn: str | None) -> float:
        """Seconds this attempt is to wait (0: check it)."""
        now = self.clock()
        wait = self.sources.blocked(source, now)
        exempt = certificate_cn == ocpp_id or self._known.get(ocpp_id) == source
        if not exempt:
            wait = max(wait, self.stations.blocked(ocpp_id, now))
        return wait

    def failed(self, ocpp_id: str, source: str) -> list[BlockStarted]:
        now = self.clock()
        started = []
        for key, throttle, name in (
            (ocpp_id, self.stations, f"station {ocpp_id}"),
            (source, self.sources, f"address {source}"),
        ):
            blocked = throttle.fail(key, now)
            if blocked is not None and blocked.started:
                started.append(BlockStarted(name, blocked))
        return started

    def succeeded(self, ocpp_id: str, source: str) -> None:
        """The station proved who it is from ``source``."""
        self.stations.succeed(ocpp_id, self.clock())
        self._known[ocpp_id] = source
        self._known.move_to_end(ocpp_id)
        while len(self._known) > KNOWN_SOURCES:
            self._known.popitem(last=False)

    # Connections that got in ---------------------------------------------------------------

    def flapping(self, ocpp_id: str) -> float:
        """Seconds the station is still refused for connecting too often (0: it may)."""
        return self.connects.blocked(ocpp_id, self.clock())

    def admitted(self, ocpp_id: str) -> Blocked | None:
        """Count a connection of the station that passed every check; the block it starts
        when it is one too many (then it is refused too), else None."""
        blocked = self.connects.fail(ocpp_id, self.clock())
        return blocked if blocked is not None and blocked.started else None
