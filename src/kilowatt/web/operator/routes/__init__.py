"""The operator dashboard's pages (server-rendered, Jinja2 + htmx), one module per area."""

from fastapi import APIRouter

from kilowatt.web.operator.routes import (
    account,
    admin,
    api_keys,
    assets,
    audit,
    auth,
    connectors,
    drivers,
    faults,
    firmware,
    home,
    invitations,
    jump,
    live,
    loads,
    operators,
    sites,
    stations,
    token_groups,
    tokens,
    transactions,
    vendor,
)

router = APIRouter(include_in_schema=False)
for area in (
    auth,
    account,
    home,
    live,
    sites,
    loads,
    connectors,
    stations,
    transactions,
    faults,
    assets,
    firmware,
    vendor,
    admin,
    operators,
    api_keys,
    audit,
    tokens,
    token_groups,
    drivers,
    invitations,
    jump,
):
    router.include_router(area.router)
