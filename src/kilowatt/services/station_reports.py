"""What a connected station reports about itself: connector and station status, firmware and
diagnostics progress, vendor data, security events (its connection and boot:
services/provisioning.py).

Every call here is one unit of work; the OCPP edge answers the station only after it returns.
A status report that repeats the last one applied changes nothing and is not written
(``ReportMemory``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kilowatt.domain.errors import NotFound
from kilowatt.domain.events import EventKind, Severity, StationEvent
from kilowatt.domain.faults import Fault, in_fault
from kilowatt.domain.live import (
    ConnectorStatusChanged,
    FaultClosed,
    FaultOpened,
)
from kilowatt.domain.stations import (
    Connector,
    ConnectorStandard,
    ConnectorStatus,
    Station,
    StationRef,
    StatusChange,
    StatusReport,
    apply_station_status,
    apply_status,
    is_stale,
)
from kilowatt.services.base import Service
from kilowatt.services.connector_states import publish_state, settle_state
from kilowatt.services.faults import track_fault
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

Words = tuple[str, ...]
"""A status report's status, error code, info, vendor id and vendor error code."""

_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DataTransferAnswer:
    status: str
    data: str | None = None


class ReportMemory:
    """Per station, per (EVSE, connector): the last report applied (its words and time). The
    same report again changes nothing and is not written. Read from the database as the
    station connects (another node may have applied its reports while it was away), so that a
    fleet coming back after an outage, which mostly repeats itself, costs no write for what it
    repeats. A boot on the same connection keeps it: while this node holds the station, only
    its own reports change what it says."""

    def __init__(self) -> None:
        self._said: dict[int, dict[tuple[int, int], tuple[Words, datetime]]] = {}

    def forget(self, station_id: int) -> None:
        self._said.pop(station_id, None)

    def remember(self, station_id: int, connectors: Sequence[Connector]) -> None:
        self._said[station_id] = {
            (c.evse_id, c.connector_id): (
                (c.status, c.error_code, c.info, c.vendor_id, c.vendor_error_code),
                c.status_at or _LONG_AGO,  # a report without a time: any later one repeats it
            )
            for c in connectors
            if c.status != ConnectorStatus.UNKNOWN.value  # never reported
        }

    def repeats(self, station_id: int, place: tuple[int, int], words: Words, at: datetime) -> bool:
        last = self._said.get(station_id, {}).get(place)
        return last is not None and last[0] == words and last[1] <= at

    def note(self, station_id: int, place: tuple[int, int], words: Words, at: datetime) -> None:
        self._said.setdefault(station_id, {})[place] = (words, at)


class StationReportService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, memory: ReportMemory
    ) -> None:
        super().__init__(uow, clock, bus)
        self.memory = memory

    async def status(self, ref: StationRef, report: StatusReport) -> None:
        words = (
            report.status.value,
            report.error_code,
            report.info,
            report.vendor_id,
            report.vendor_error_code,
        )
        place = (report.evse_id, report.connector_id)
        if self.memory.repeats(ref.id, place, words, report.timestamp):
            return  # the same report again: it changes nothing, nothing is written
        applied = False
        now = self.clock.now()
        changed = False
        reported: Connector | None = None
        faults: tuple[Fault | None, Fault | None] = (None, None)
        async with self.uow() as uow:
            # A connector's report needs the station only for a fault: most do not read it.
            station = await station_of(uow, ref.id) if report.is_station else None
            if station is not None:
                before = in_fault(station.status, station.error_code)
                changed = apply_station_status(station, report)
                after = in_fault(station.status, station.error_code)
                station.updated_at = now
            else:
                connector = await uow.connectors.get(ref.id, report.evse_id, report.connector_id)
                if connector is None:
                    connector = await uow.connectors.add(
                        Connector(
                            station_id=ref.id,
                            evse_id=report.evse_id,
                            connector_id=report.connector_id,
                            created_at=now,
                            standard=ConnectorStandard.UNKNOWN.value,
                        )
                    )
                before = in_fault(connector.status, connector.error_code)
                said = (connector.status, connector.state)
                applied = not is_stale(connector.status_at, report)
                changed = apply_status(connector, report)
                if applied:
                    changed = await settle_state(uow, connector, *said) or changed
                reported = connector
                after = in_fault(connector.status, connector.error_code)
            await uow.connectors.add_status_change(
                StatusChange(
                    station_id=ref.id,
                    evse_id=report.evse_id,
                    connector_id=report.connector_id,
                    status=report.status.value,
                    error_code=report.error_code,
                    info=report.info,
                    vendor_error_code=report.vendor_error_code,
                    timestamp=report.timestamp,
                    received_at=now,
                )
            )
            if before or after:
                # A fault opens or ends only with a report that was applied (not a stale one
                # that arrived late), and a connector that is and was well has no open fault:
                # most status reports need no look at the fault records.
                station = station or await station_of(uow, ref.id)
                faults = await track_fault(uow, station, report)
            if report.status is ConnectorStatus.FAULTED and changed:
                await uow.events.add(
                    station_event(
                        station or await station_of(uow, ref.id),
                        EventKind.CONNECTOR_FAULT,
                        report.timestamp,
                        f"EVSE {report.evse_id} connector {report.connector_id} faulted: "
                        f"{report.error_code}",
                        {
                            "evse_id": report.evse_id,
                            "connector_id": report.connector_id,
                            "error_code": report.error_code,
                            "vendor_error_code": report.vendor_error_code,
                            "info": report.info,
                        },
                        Severity.ERROR,
                    )
                )
            await uow.commit()
        if applied:
            self.memory.note(ref.id, place, words, report.timestamp)
        if changed and reported is not None:
            publish_state(self.bus, ref.ocpp_id, reported)
        elif changed:
            self.bus.publish(
                ConnectorStatusChanged(
                    ref.ocpp_id,
                    evse_id=report.evse_id,
                    connector_id=report.connector_id,
                    status=report.status.value,
                    state=None,
                    error_code=report.error_code,
                )
            )
        closed, opened = faults
        if closed is not None:
            self.bus.publish(FaultClosed.of(ref.ocpp_id, closed))
        if opened is not None:
            self.bus.publish(FaultOpened.of(ref.ocpp_id, opened))

    async def data_transfer(
        self, ref: StationRef, vendor_id: str, message_id: str | None, data: str | None
    ) -> DataTransferAnswer:
        """No vendor extension is installed: the transfer is kept as an event and the station
        is told the vendor is unknown, as OCPP prescribes."""
        now = self.clock.now()
        async with self.uow() as uow:
            station = await station_of(uow, ref.id)
            await uow.events.add(
                station_event(
                    station,
                    EventKind.DATA_TRANSFER,
                    now,
                    f"data transfer from vendor {vendor_id}",
                    {"vendor_id": vendor_id, "message_id": message_id, "data": data},
                )
            )
            await uow.commit()
        return DataTransferAnswer(status="UnknownVendorId")

    async def security_event(
        self, ref: StationRef, kind: str, timestamp: datetime, info: str | None
    ) -> None:
        async with self.uow() as uow:
            station = await station_of(uow, ref.id)
            await uow.events.add(
                station_event(
                    station,
                    EventKind.SECURITY,
                    timestamp,
                    f"{kind}{': ' + info if info else ''}",
                    {"type": kind, "tech_info": info},
                    Severity.WARNING,
                )
            )
            await uow.commit()

    async def record_event(
        self,
        ref: StationRef,
        kind: EventKind,
        message: str,
        data: dict[str, Any],
        severity: Severity = Severity.INFO,
        timestamp: datetime | None = None,
    ) -> None:
        """Keep something a station reported that has no model of its own yet."""
        async with self.uow() as uow:
            station = await station_of(uow, ref.id)
            await uow.events.add(
                station_event(station, kind, timestamp or self.clock.now(), message, data, severity)
            )
            await uow.commit()


async def station_of(uow: UnitOfWork, station_id: int, lock: bool = False) -> Station:
    """The station, or NotFound; with ``lock`` its row is held until the unit of work ends."""
    if lock:
        found = await uow.stations.by_ids([station_id], lock=True)
        station = found[0] if found else None
    else:
        station = await uow.stations.get_by_id(station_id)
    if station is None:
        raise NotFound("station", station_id)
    return station


def station_event(
    station: Station | StationRef,
    kind: EventKind,
    at: datetime,
    message: str,
    data: dict[str, Any],
    severity: Severity = Severity.INFO,
) -> StationEvent:
    assert station.id is not None
    return StationEvent(
        organization_id=station.organization_id,
        station_id=station.id,
        kind=kind.value,
        timestamp=at,
        severity=severity,
        message=message,
        data=data,
    )
