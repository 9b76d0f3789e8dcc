"""The operator dashboard's pages (server-rendered, Jinja2 + htmx), one module per area."""

from fastapi import APIRouter

from kilowatt.web.operator.routes import (
    account,
    assets,
    auth,
    charge_orders,
    connectors,
    faults,
    home,
    live,
    sites,
    stations,
    transactions,
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
    transactions,
    faults,
    charge_orders,
    assets,
):
    router.include_router(area.router)
