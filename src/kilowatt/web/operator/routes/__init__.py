"""The operator dashboard's pages (server-rendered, Jinja2 + htmx), one module per area."""

from fastapi import APIRouter

from kilowatt.web.operator.routes import (
    account,
    assets,
    auth,
    charging_sessions,
    connectors,
    faults,
    home,
    live,
    sites,
    stations,
)

router = APIRouter(include_in_schema=False)
for area in (
    auth,
    account,
    home,
    live,
    sites,
    connectors,
    stations,
    charging_sessions,
    faults,
    assets,
):
    router.include_router(area.router)
