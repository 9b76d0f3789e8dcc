"""Fault records and the fault-code dictionary as the faults pages and a station's page show
them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.exports import format_local, zone_of
from kilowatt.domain.faults import FaultCode, FaultView
from kilowatt.web.kit.formatting import span
from kilowatt.web.kit.words import explanation

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class FaultRow:
    """A fault, its times in its site's zone (named by ``timezone``)."""

    id: int
    station: str
    evse_id: int
    connector_id: int
    error_code: str
    vendor_error_code: str
    description: str
    info: str
    started: str
    ended: str
    timezone: str
    open: bool
    duration: str
    """How long it lasted, or has lasted until ``now``, in words."""

    @classmethod
    def of(cls, view: FaultView, now: datetime, gettext: Gettext) -> FaultRow:
        zone = zone_of(view.timezone)
        return cls(
            id=view.id,
            station=view.station_ocpp_id,
            evse_id=view.evse_id,
            connector_id=view.connector_id,
            error_code=view.error_code,
            vendor_error_code=view.vendor_error_code,
            description=explanation(view.error_code, view.description, gettext),
            info=view.info,
            started=format_local(view.started_at, zone),
            ended=format_local(view.ended_at, zone),
            timezone=view.timezone,
            open=view.open,
            duration=span((view.ended_at or now) - view.started_at, gettext),
        )


@dataclass(frozen=True, slots=True)
class FaultCodeRow:
    """An entry of the dictionary, changed at a time of no site: UTC."""

    id: int
    code: str
    vendor: str
    description: str
    updated: str

    @classmethod
    def of(cls, entry: FaultCode) -> FaultCodeRow:
        assert entry.id is not None
        return cls(
            id=entry.id,
            code=entry.code,
            vendor=entry.vendor,
            description=entry.description,
            updated=format_local(entry.updated_at, zone_of("UTC")),
        )
