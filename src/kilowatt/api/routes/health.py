from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness with the database reachable")
async def health(request: Request) -> JSONResponse:
    check: Callable[[], Awaitable[bool]] = request.app.state.database_check
    ok = await check()
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if ok else "unreachable",
        "stations_connected": request.app.state.connections(),
    }
    return JSONResponse(body, status_code=200 if ok else 503)
