"""One router per domain area, mounted under /api/v1."""

from fastapi import APIRouter

from kilowatt.api.routes import commands, sites, stations, tokens, transactions

api_v1 = APIRouter(prefix="/api/v1")
api_v1.include_router(sites.router)
api_v1.include_router(stations.router)
api_v1.include_router(tokens.router)
api_v1.include_router(transactions.router)
api_v1.include_router(commands.router)
