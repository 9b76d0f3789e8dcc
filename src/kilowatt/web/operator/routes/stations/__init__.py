"""Dashboard pages: the stations list (/stations) and a station's page (/stations/{id}) with
its connectors, faults, device model (model.py), message log (log.py) and commands
(commands.py), and its technician tools: configuration (tools.py), firmware (firmware.py),
diagnostics (diagnostics.py), vendor operations, local list, reservations and certificates
(operations.py)."""

from fastapi import APIRouter

from kilowatt.web.operator.routes.stations import (
    commands,
    diagnostics,
    firmware,
    log,
    model,
    operations,
    pages,
    tools,
)

router = APIRouter()
for part in (pages, log, model, commands, tools, firmware, diagnostics, operations):
    router.include_router(part.router)
