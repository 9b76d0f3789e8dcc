"""/live: the signed-in operator's live events (server-sent events), for pages that update
without a reload. The same events and visibility rules as the API's /api/v1/events."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from kilowatt.services.live import placements_of, stream
from kilowatt.web.operator.context import AssetsPage

router = APIRouter()


@router.get("/live")
async def live(page: AssetsPage) -> StreamingResponse:
    services = page.web.services
    placements = placements_of(page.web.request.app.state, services)
    return StreamingResponse(
        stream(services.bus, page.principal.scope, placements, announce=True),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
