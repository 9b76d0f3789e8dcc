"""One router per domain area, mounted under /api/v1."""

from fastapi import APIRouter

from kilowatt.api.routes import (
    access,
    audit,
    cdrs,
    charge_orders,
    commands,
    diagnostics,
    drivers,
    electrical_tree,
    faults,
    firmware,
    jobs,
    live,
    loads,
    organizations,
    reports,
    reservations,
    session_costs,
    sites,
    station_security,
    stations,
    tariffs,
    tokens,
    transactions,
    users,
    vendor,
    wallets,
)

api_v1 = APIRouter(prefix="/api/v1")
api_v1.include_router(sites.router)
api_v1.include_router(loads.router)
api_v1.include_router(electrical_tree.router)
api_v1.include_router(stations.router)
api_v1.include_router(station_security.router)
api_v1.include_router(tokens.router)
api_v1.include_router(tokens.groups)
api_v1.include_router(drivers.router)
api_v1.include_router(access.router)
api_v1.include_router(transactions.router)
api_v1.include_router(commands.router)
api_v1.include_router(reservations.router)
api_v1.include_router(live.router)
api_v1.include_router(firmware.router)
api_v1.include_router(diagnostics.router)
api_v1.include_router(vendor.router)
api_v1.include_router(faults.codes)
api_v1.include_router(faults.router)
api_v1.include_router(users.router)
api_v1.include_router(audit.router)
api_v1.include_router(organizations.router)
api_v1.include_router(reports.router)
api_v1.include_router(jobs.router)
api_v1.include_router(tariffs.router)
api_v1.include_router(tariffs.assignments)
api_v1.include_router(wallets.router)
api_v1.include_router(wallets.entries)
api_v1.include_router(wallets.tokens)
api_v1.include_router(cdrs.router)
api_v1.include_router(cdrs.sessions)
api_v1.include_router(session_costs.router)
api_v1.include_router(charge_orders.router)
