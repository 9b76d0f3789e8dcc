"""GET /events: the caller's organization's live events, as server-sent events.

Every node relays the events of the others (kilowatt/cluster/bus.py), so a client subscribed
to any node sees what happens on all of them: a connector's status, a meter value, a command
that finished. What a caller may see is decided in kilowatt/services/live.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from kilowatt.api.deps import AssetsRead, ServicesDep
from kilowatt.services.live import KEEP_ALIVE, placements_of, stream

router = APIRouter(tags=["events"])


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
    request: Request, services: ServicesDep, principal: AssetsRead
) -> StreamingResponse:
    """Live events of your organization's stations (those of your sites, if you are limited to
    some) and, if you see all of it, of the organization itself (`firmware.campaign`), from
    every node, as server-sent events (`station.online`, `connector.status`, `meter.values`,
    `transaction.updated`, `fault.opened`...; every event and its fields: docs/events.md).
    A connector's `connector.status` carries its `state` in the same words whatever the OCPP
    version (see the connectors' `state`) and, in `status`, the station's own word; it comes
    too when only the state moves (a 2.0.1 transaction's chargingState)."""
    return StreamingResponse(
        stream(services.bus, principal.scope, placements_of(request.app.state, services)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
