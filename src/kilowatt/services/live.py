"""Live events for one viewer: those of the stations (and organization) it may see, from every
node, as server-sent events. Used by the REST API's /events and the dashboard's live pages.

Every event of the catalogue (domain/live.py) is about a station (its OCPP identity) or an
organization: it reaches a stream when that station is in the viewer's scope, or that
organization is the viewer's and the viewer sees all of it. Events are written in their wire
form (domain/live_codec.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from kilowatt.domain.live import LiveEvent, OrganizationLiveEvent, StationDeleted, StationLiveEvent
from kilowatt.domain.live_codec import encode
from kilowatt.domain.users import Scope
from kilowatt.services.bus import InProcessBus

if TYPE_CHECKING:
    from kilowatt.services.container import Services

KEEP_ALIVE = 15.0
"""Seconds between comment lines when nothing happens, so that proxies keep the stream open."""
BACKLOG = 1000
"""Events kept for a client that reads slowly; beyond that its oldest unread ones are lost."""

T = TypeVar("T")
Lookup = Callable[[str], Awaitable[int | None]]
Placement = tuple[int, int | None]
"""A station's organization and site."""


class StationDirectory(Generic[T]):
    """What ``lookup`` says of a station identity (its organization, or its organization and
    site), remembered for ``ttl`` seconds."""

    def __init__(
        self,
        lookup: Callable[[str], Awaitable[T | None]],
        *,
        ttl: float = 60.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, T | None]] = OrderedDict()

    async def of(self, ocpp_id: str) -> T | None:
        now = self._clock()
        cached = self._known.get(ocpp_id)
        if cached is not None and cached[0] > now:
            self._known.move_to_end(ocpp_id)
            return cached[1]
        found = await self._lookup(ocpp_id)
        self._known[ocpp_id] = (now + self._ttl, found)
        self._known.move_to_end(ocpp_id)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
        return found

    def forget(self, ocpp_id: str) -> None:
        self._known.pop(ocpp_id, None)


StationOrganizations = StationDirectory[int]


async def organization_of_event(
    event: LiveEvent, organizations: StationOrganizations
) -> int | None:
    """The organization an event belongs to: named in it, or that of its station."""
    if isinstance(event, OrganizationLiveEvent):
        return event.organization_id
    if isinstance(event, StationLiveEvent) and event.station:
        return await organizations.of(event.station)
    return None


async def event_visible(
    event: LiveEvent, placements: StationDirectory[Placement], scope: Scope
) -> bool:
    """Whether a caller with ``scope`` may see the event: one about a station in its scope, or
    (for a caller that sees the whole organization) one about its organization."""
    if isinstance(event, StationLiveEvent):
        placed = await placements.of(event.station) if event.station else None
        return (
            placed is not None
            and placed[0] == scope.organization_id
            and scope.allows_site(placed[1])
        )
    if isinstance(event, OrganizationLiveEvent):
        return event.organization_id == scope.organization_id and not scope.limited
    return False


def server_sent_event(event: LiveEvent) -> bytes:
    """The event as a server-sent event block: its topic, and its wire object
    (domain/live_codec.py) as JSON."""
    return _block(event.topic, encode(event))


def _block(topic: str, data: Mapping[str, Any]) -> bytes:
    return b"event: " + topic.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def stream(
    bus: InProcessBus,
    scope: Scope,
    placements: StationDirectory[Placement],
    topics: frozenset[str] | None = None,
    *,
    announce: bool = False,
) -> AsyncIterator[bytes]:
    """The events ``scope`` may see (of ``topics``, or all), as server-sent event blocks, with a
    comment line every KEEP_ALIVE seconds; until the reader goes away."""
    queue: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=BACKLOG)

    def on_event(event: LiveEvent) -> None:
        if (
            topics is not None
            and event.topic not in topics
            and not isinstance(event, StationDeleted)
        ):
            return
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(event)

    bus.subscribe(LiveEvent, on_event)
    try:
        yield b": subscribed\n\n"
        if announce:  # for browsers, which do not see comments: from now on nothing is missed
            yield _block("subscribed", {})
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE):
                    event = await queue.get()
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            belongs = await event_visible(event, placements, scope)
            if isinstance(event, StationDeleted):
                placements.forget(event.station)
                if topics is not None and event.topic not in topics:
                    continue
            if belongs:
                yield server_sent_event(event)
    finally:
        bus.unsubscribe(LiveEvent, on_event)


def placements_of(state: Any, services: Services) -> StationDirectory[Placement]:
    """The application's one cache of station placements (kept on ``state``, the ASGI app's
    state), shared by every live stream of this process."""
    cache: StationDirectory[Placement] | None = getattr(state, "station_placements", None)
    if cache is None:
        cache = StationDirectory(services.stations.placement_of)
        state.station_placements = cache
    return cache
