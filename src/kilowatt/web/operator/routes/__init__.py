"""The operator dashboard's pages (server-rendered, Jinja2 + htmx), one module per area."""

from fastapi import APIRouter

from kilowatt.web.operator.routes import (
    account,
    admin,
    api_keys,
    assets,
    auth,
    connectors,
    faults,
    firmware,
    home,
    invitations,
    jump,
    live,
    operators,
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
    assets,
    firmware,
    admin,
    operators,
    api_keys,
    invitations,
    jump,
):
    router.include_router(area.router)
