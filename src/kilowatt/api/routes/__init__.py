"""One router per domain area, mounted under /api/v1."""

from fastapi import APIRouter

from kilowatt.api.routes import (
    commands,
    diagnostics,
    events,
    firmware,
    reservations,
    sites,
    stations,
    tokens,
    transactions,
    vendor,
)

api_v1 = APIRouter(prefix="/api/v1")
api_v1.include_router(sites.router)
api_v1.include_router(stations.router)
api_v1.include_router(tokens.router)
api_v1.include_router(transactions.router)
api_v1.include_router(commands.router)
api_v1.include_router(reservations.router)
api_v1.include_router(events.router)
api_v1.include_router(firmware.router)
api_v1.include_router(diagnostics.router)
api_v1.include_router(vendor.router)
