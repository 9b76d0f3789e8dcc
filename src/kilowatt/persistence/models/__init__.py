"""Tables, one module per domain area, and their imperative mapping onto domain classes."""

from kilowatt.persistence.models import (  # noqa: F401 (every table joins the metadata)
    access,
    audit,
    cdrs,
    charge_orders,
    commands,
    device_model,
    diagnostics,
    drivers,
    electrical_tree,
    events,
    faults,
    firmware,
    jobs,
    load_failsafe,
    loads,
    organizations,
    stations,
    tariffs,
    tokens,
    transactions,
    users,
    vendor,
    wallets,
    web_sessions,
)
from kilowatt.persistence.models.base import metadata
from kilowatt.persistence.models.mapping import start_mappers

__all__ = ["metadata", "start_mappers"]
