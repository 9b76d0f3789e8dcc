"""Live events of faults: a fault record opened or closed.

Part of the catalogue of domain/live.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from kilowatt.domain.faults import Fault
from kilowatt.domain.live_base import CONNECTOR, EVSE, StationLiveEvent


@dataclass(frozen=True, slots=True)
class FaultOpened(StationLiveEvent):
    """A connector (or, with EVSE 0, the station) reported an error: a fault record began."""

    topic = "fault.opened"
    fault_id: Annotated[int, "the fault record (as in /api/v1/faults)"]
    evse_id: Annotated[int, EVSE]
    connector_id: Annotated[int, CONNECTOR]
    error_code: Annotated[str, "the error, as the station said it"]
    vendor_error_code: Annotated[str, "the vendor's own code, empty when none"]
    info: Annotated[str, "the station's free text, empty when none"]
    started_at: Annotated[datetime, "when the station says it began"]

    @classmethod
    def of(cls, station: str, fault: Fault) -> FaultOpened:
        assert fault.id is not None
        return cls(
            station=station,
            fault_id=fault.id,
            evse_id=fault.evse_id,
            connector_id=fault.connector_id,
            error_code=fault.error_code,
            vendor_error_code=fault.vendor_error_code,
            info=fault.info,
            started_at=fault.started_at,
        )


@dataclass(frozen=True, slots=True)
class FaultClosed(StationLiveEvent):
    """A fault record ended: the connector reported a status without that error (another
    error closes it and opens a new one)."""

    topic = "fault.closed"
    fault_id: Annotated[int, "the fault record"]
    evse_id: Annotated[int, EVSE]
    connector_id: Annotated[int, CONNECTOR]
    error_code: Annotated[str, "the error it was about"]
    started_at: Annotated[datetime, "when it began"]
    ended_at: Annotated[datetime, "when the station says it ended"]

    @classmethod
    def of(cls, station: str, fault: Fault) -> FaultClosed:
        assert fault.id is not None
        assert fault.ended_at is not None
        return cls(
            station=station,
            fault_id=fault.id,
            evse_id=fault.evse_id,
            connector_id=fault.connector_id,
            error_code=fault.error_code,
            started_at=fault.started_at,
            ended_at=fault.ended_at,
        )
