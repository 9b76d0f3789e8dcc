"""GET /events: the caller's organization's live events, as server-sent events.

Every node relays the events of the others (kilowatt/cluster/bus.py), so a client subscribed
to any node sees what happens on all of them: a connector's status, a meter value, a command
that finished.

An event reaches a stream when its payload names the ``organization_id`` or the ``station``
(OCPP identity) it is about, and that is the caller's organization; an event naming neither
cannot be attributed and is not streamed, so every publisher names one of them.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from kilowatt.api.deps import PrincipalDep, ServicesDep

router = APIRouter(tags=["events"])

KEEP_ALIVE = 15.0
"""Seconds between comment lines when nothing happens, so that proxies keep the stream open."""
BACKLOG = 1000
"""Events kept for a client that reads slowly; beyond that its oldest unread ones are lost."""

Lookup = Callable[[str], Awaitable[int | None]]


class StationOrganizations:
    """Which organization a station identity belongs to, remembered for ``ttl`` seconds."""

    def __init__(
        self,
        lookup: Lookup,
        *,
        ttl: float = 60.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, int | None]] = OrderedDict()

    async def of(self, ocpp_id: str) -> int | None:
        now = self._clock()
        cached = self._known.get(ocpp_id)
        if cached is not None and cached[0] > now:
            self._known.move_to_end(ocpp_id)
            return cached[1]
        organization_id = await self._lookup(ocpp_id)
        self._known[ocpp_id] = (now + self._ttl, organization_id)
        self._known.move_to_end(ocpp_id)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
        return organization_id

    def forget(self, ocpp_id: str) -> None:
        self._known.pop(ocpp_id, None)


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


def server_sent_event(topic: str, payload: Mapping[str, Any]) -> bytes:
    data = orjson.dumps(payload, default=str)
    return b"event: " + topic.encode() + b"\ndata: " + data + b"\n\n"


def _organizations(request: Request, lookup: Lookup) -> StationOrganizations:
    state = request.app.state
    cache: StationOrganizations | None = getattr(state, "station_organizations", None)
    if cache is None:
        cache = StationOrganizations(lookup)
        state.station_organizations = cache
    return cache


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`event: <topic>` / `data: <JSON>` blocks, and a comment line every "
            f"{KEEP_ALIVE:g} s",
            "content": {"text/event-stream": {}},
        }
    },
)
async def events(
    request: Request, services: ServicesDep, principal: PrincipalDep
) -> StreamingResponse:
    """Live events of your organization's stations, from every node, as server-sent events
    (`station.online`, `connector.status`, `meter.values`, `command.finished`...)."""
    organizations = _organizations(request, services.stations.organization_of)
    organization_id = principal.organization_id
    bus = services.bus

    async def stream() -> AsyncIterator[bytes]:
        queue: asyncio.Queue[tuple[str, Mapping[str, Any]]] = asyncio.Queue(maxsize=BACKLOG)

        def on_event(topic: str, payload: Mapping[str, Any]) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait((topic, payload))

        bus.subscribe(on_event)
        try:
            yield b": subscribed\n\n"
            while True:
                try:
                    async with asyncio.timeout(KEEP_ALIVE):
                        topic, payload = await queue.get()
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                belongs = await organization_of_event(payload, organizations) == organization_id
                if topic == "station.deleted":
                    organizations.forget(str(payload.get("station")))
                if belongs:
                    yield server_sent_event(topic, payload)
        finally:
            bus.unsubscribe(on_event)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
