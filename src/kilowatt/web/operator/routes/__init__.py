"""The operator dashboard's pages (server-rendered, Jinja2 + htmx), one module per area."""

from fastapi import APIRouter

from kilowatt.web.operator.routes import (
    account,
    assets,
    auth,
    cdrs,
    connectors,
    faults,
    home,
    live,
    sites,
    stations,
    tariffs,
    transactions,
    wallets,
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
    assets,
    tariffs,
    wallets,
    cdrs,
):
    router.include_router(area.router)
