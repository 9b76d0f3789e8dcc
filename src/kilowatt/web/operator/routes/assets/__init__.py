"""Dashboard pages: assets. Sites, stations and their connectors: create, edit, delete (after a
confirmation page that says what goes with them), and the bulk import of sites and stations
from an Excel workbook (services/imports.py). One module per kind of asset; common.py holds
what they share."""

from fastapi import APIRouter

from kilowatt.web.operator.routes.assets import (
    connectors,
    imports,
    overview,
    removals,
    sites,
    stations,
)

router = APIRouter()
# The order the routes were declared in when this was one module: a literal path such as
# /assets/stations/new is declared before /assets/stations/{ocpp_id}, in the same module.
# removals before stations: /assets/stations/delete is not a station called "delete".
for part in (overview, sites, removals, stations, connectors, imports):
    router.include_router(part.router)
