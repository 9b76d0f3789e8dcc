"""Live events for one viewer: those of the stations (and organization) it may see, from every
node, as server-sent events. Used by the REST API's /events and the dashboard's live pages.

An event reaches a stream when its payload names the ``organization_id`` or the ``station``
(OCPP identity) it is about, and that is the viewer's organization; an event naming neither
cannot be attributed and is not streamed, so every publisher names one of them.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

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
    payload: Mapping[str, Any], organizations: StationOrganizations
) -> int | None:
    """The organization an event belongs to: named in it, or that of its station."""
    named = payload.get("organization_id")
    if isinstance(named, int):
        return named
    station = payload.get("station")
    if isinstance(station, str) and station:
        return await organizations.of(station)
    return None


async def event_visible(
    payload: Mapping[str, Any], placements: StationDirectory[Placement], scope: Scope
) -> bool:
    """Whether a caller with ``scope`` may see the event: one about a station in its scope, or
    (for a caller that sees the whole organization) one naming its organization."""
    station = payload.get("station")
    if isinstance(station, str) and station:
        placed = await placements.of(station)
        return (
            placed is not None
            and placed[0] == scope.organization_id
            and scope.allows_site(placed[1])
        )
    named = payload.get("organization_id")
    return isinstance(named, int) and named == scope.organization_id and not scope.limited


def server_sent_event(topic: str, payload: Mapping[str, Any]) -> bytes:
    data = orjson.dumps(payload, default=str)
    return b"event: " + topic.encode() + b"\ndata: " + data + b"\n\n"


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
    queue: asyncio.Queue[tuple[str, Mapping[str, Any]]] = asyncio.Queue(maxsize=BACKLOG)

    def on_event(topic: str, payload: Mapping[str, Any]) -> None:
        if topics is not None and topic not in topics and topic != "station.deleted":
            return
        if queue.full():
            queue.get_nowait()
        queue.put_nowait((topic, payload))

    bus.subscribe(on_event)
    try:
        yield b": subscribed\n\n"
        if announce:  # for browsers, which do not see comments: from now on nothing is missed
            yield server_sent_event("subscribed", {})
        while True:
            try:
                async with asyncio.timeout(KEEP_ALIVE):
                    topic, payload = await queue.get()
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            belongs = await event_visible(payload, placements, scope)
            if topic == "station.deleted":
                placements.forget(str(payload.get("station")))
                if topics is not None and topic not in topics:
                    continue
            if belongs:
                yield server_sent_event(topic, payload)
    finally:
        bus.unsubscribe(on_event)


def placements_of(state: Any, services: Services) -> StationDirectory[Placement]:
    """The application's one cache of station placements (kept on ``state``, the ASGI app's
    state), shared by every live stream of this process."""
    cache: StationDirectory[Placement] | None = getattr(state, "station_placements", None)
    if cache is None:
        cache = StationDirectory(services.stations.placement_of)
        state.station_placements = cache
    return cache
