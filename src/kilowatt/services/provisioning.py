"""A station's life on the wire: it connects, boots, reports status, goes away.

Every call here is one unit of work; the OCPP edge answers the station only after it returns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kilowatt.domain.errors import NotFound
from kilowatt.domain.events import EventKind, Severity, StationEvent
from kilowatt.domain.faults import Fault, in_fault
from kilowatt.domain.live import (
    ConnectorStatusChanged,
    DiagnosticsStatusReported,
    FaultClosed,
    FaultOpened,
    FirmwareStatusReported,
    StationBooted,
    StationOnlineChanged,
)
from kilowatt.domain.organizations import DEFAULT_ORGANIZATION_NAME, Organization
from kilowatt.domain.ownership import StationOwner, orphaned
from kilowatt.domain.stations import (
    BootDecision,
    BootInfo,
    Connector,
    ConnectorStandard,
    ConnectorStatus,
    RegistrationStatus,
    Station,
    StationRef,
    StatusChange,
    StatusReport,
    UnknownStationPolicy,
    apply_station_status,
    apply_status,
    decide_boot,
    is_stale,
)
from kilowatt.services.base import Service
from kilowatt.services.batching import GroupCommit
from kilowatt.services.connector_states import publish_state, settle_state
from kilowatt.services.faults import track_fault
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Disconnect:
    ref: StationRef
    code: int | None
    reason: str
    owner: str | None


@dataclass(frozen=True, slots=True)
class DataTransferAnswer:
    status: str
    data: str | None = None


async def default_organization(uow: UnitOfWork, now: datetime) -> Organization:
    organization = await uow.organizations.first()
    if organization is None:
        organization = await uow.organizations.add(
            Organization(name=DEFAULT_ORGANIZATION_NAME, created_at=now)
        )
    return organization


_LONG_AGO = datetime.min.replace(tzinfo=UTC)


def _ref(station: Station) -> StationRef:
    assert station.id is not None
    return StationRef(
        id=station.id,
        organization_id=station.organization_id,
        ocpp_id=station.ocpp_id,
        registration_status=station.registration_status,
        security_profile=station.security_profile,
        connected_at=station.connected_at if station.online else None,
    )


class ProvisioningService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        unknown_station_policy: UnknownStationPolicy,
        heartbeat_interval: int,
        pending_interval: int,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.unknown_station_policy = unknown_station_policy
        self.heartbeat_interval = heartbeat_interval
        self.pending_interval = pending_interval
        self._disconnects: GroupCommit[Disconnect] = GroupCommit(
            self._write_disconnects, max_batch=500
        )
        self._said: dict[int, dict[tuple[int, int], tuple[tuple[str, ...], datetime]]] = {}
        """Per station, per (EVSE, connector): the last report applied on this node (status,
        error code, info, vendor code) and its time; the same report again changes nothing
        and is not written. Forgotten when the station connects or boots."""

    async def resolve(self, ocpp_id: str) -> StationRef | None:
        """The station behind a connecting identity, or None to refuse it (unknown id).

        Under the ``pending`` and ``accept`` policies an unknown identity is registered in the
        default organization, as Pending (for an operator to accept) or Accepted.
        """
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.by_ocpp_id(ocpp_id)
            if station is not None:
                return _ref(station)
        if self.unknown_station_policy == UnknownStationPolicy.REJECT:
            return None
        status = (
            RegistrationStatus.ACCEPTED
            if self.unknown_station_policy == UnknownStationPolicy.ACCEPT
            else RegistrationStatus.PENDING
        )
        now = self.clock.now()
        async with self.uow() as uow:
            station = await uow.stations.by_ocpp_id(ocpp_id)
            if station is None:
                organization = await default_organization(uow, now)
                assert organization.id is not None
                station = await uow.stations.add(
                    Station(
                        organization_id=organization.id,
                        ocpp_id=ocpp_id,
                        registration_status=status,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await uow.events.add(
                    self._event(
                        station,
                        EventKind.REGISTRATION_CHANGED,
                        now,
                        f"unknown station registered as {status.value}",
                        {
                            "registration_status": status.value,
                            "policy": self.unknown_station_policy.value,
                        },
                    )
                )
                await uow.commit()
            return _ref(station)

    async def connected(
        self, ref: StationRef, protocol_version: str, remote: str, owner: str | None = None
    ) -> StationRef:
        """The station is online on the connection ``owner`` (domain/ownership.py)."""
        self.forget(ref.id)
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked, like the disconnect's read: a late disconnect of the older connection
            # that commits in between would otherwise leave online false (it looked unchanged).
            station = await self._station(uow, ref.id, lock=True)
            connectors = await uow.connectors.for_station(ref.id)
            station.online = True
            station.connected_node = owner
            station.protocol_version = protocol_version
            station.connected_at = now
            station.last_seen_at = now
            station.updated_at = now
            await uow.events.add(
                self._event(
                    station,
                    EventKind.CONNECTED,
                    now,
                    f"connected with OCPP {protocol_version}",
                    {"protocol_version": protocol_version, "remote": remote},
                )
            )
            await uow.commit()
            fresh = _ref(station)
        self._remember(ref.id, connectors)
        self.bus.publish(StationOnlineChanged(ref.ocpp_id, online=True))
        return fresh

    async def disconnected(
        self, ref: StationRef, code: int | None, reason: str, owner: str | None = None
    ) -> None:
        """The connection ``owner`` closed. The station goes offline only if that connection
        still owned it: a newer one (on this node or another) keeps it online.

        Disconnects that come together (a network outage drops thousands of stations at
        once) share one database transaction."""
        await self._disconnects.submit(Disconnect(ref, code, reason, owner))

    async def _write_disconnects(self, batch: list[Disconnect]) -> None:
        now = self.clock.now()
        offline: list[str] = []
        async with self.uow() as uow:
            # Locked: a newer connection's `connected` may commit between this read and the
            # write below; without the lock the write would take that station offline.
            found = {
                station.id: station
                for station in await uow.stations.by_ids({d.ref.id for d in batch}, lock=True)
            }
            for item in batch:
                station = found.get(item.ref.id)
                if station is None:  # deleted while connected
                    continue
                still_owner = item.owner is None or station.connected_node in (item.owner, None)
                if still_owner and station.online:
                    offline.append(item.ref.ocpp_id)
                if still_owner:
                    station.online = False
                    station.connected_node = None
                station.last_seen_at = now
                station.updated_at = now
                await uow.events.add(
                    self._event(
                        station,
                        EventKind.DISCONNECTED,
                        now,
                        f"disconnected ({item.code}{': ' + item.reason if item.reason else ''})",
                        {"code": item.code, "reason": item.reason, "replaced": not still_owner},
                    )
                )
            await uow.commit()
        for ocpp_id in offline:
            self.bus.publish(StationOnlineChanged(ocpp_id, online=False))

    async def close(self) -> None:
        await self._disconnects.close()

    def forget(self, station_id: int) -> None:
        """Forget the station's last status reports: the next ones are written whatever
        they say."""
        self._said.pop(station_id, None)

    def _remember(self, station_id: int, connectors: Sequence[Connector]) -> None:
        """What the database holds as each connector's last applied report, read as the
        station connects or boots (another node or an operator may have changed it while it
        was away): a report that repeats it changes nothing and is not written. After an
        outage a reconnecting fleet mostly repeats itself, and then costs no write."""
        self._said[station_id] = {
            (c.evse_id, c.connector_id): (
                (c.status, c.error_code, c.info, c.vendor_id, c.vendor_error_code),
                c.status_at or _LONG_AGO,  # a report without a time: any later one repeats it
            )
            for c in connectors
            if c.status != ConnectorStatus.UNKNOWN.value  # never reported
        }

    async def boot(self, ref: StationRef, info: BootInfo) -> BootDecision:
        self.forget(ref.id)
        now = self.clock.now()
        async with self.uow() as uow:
            station = await self._station(uow, ref.id)
            connectors = await uow.connectors.for_station(ref.id)
            station.vendor = info.vendor
            station.model = info.model
            station.serial_number = info.serial_number
            station.firmware_version = info.firmware_version
            station.iccid = info.iccid
            station.imsi = info.imsi
            station.meter_type = info.meter_type
            station.meter_serial_number = info.meter_serial_number
            station.boot_reason = info.reason
            station.last_boot_at = now
            station.last_seen_at = now
            station.updated_at = now
            decision = decide_boot(
                station.registration_status, self.heartbeat_interval, self.pending_interval
            )
            await uow.events.add(
                self._event(
                    station,
                    EventKind.BOOT,
                    now,
                    f"boot notification answered {decision.status.value}",
                    {
                        "vendor": info.vendor,
                        "model": info.model,
                        "firmware_version": info.firmware_version,
                        "reason": info.reason,
                        "status": decision.status.value,
                    },
                )
            )
            await uow.commit()
        self._remember(ref.id, connectors)
        self.bus.publish(StationBooted(ref.ocpp_id, decision.status))
        return decision

    async def record_presence(self, last_seen: Mapping[int, datetime]) -> None:
        """Last-seen times noted by the OCPP edge, written in one statement."""
        if not last_seen:
            return
        async with self.uow() as uow:
            await uow.stations.record_presence(last_seen)
            await uow.commit()

    async def mark_all_offline(self) -> int:
        """At start-up no socket is open yet: every station of this single node is offline."""
        async with self.uow() as uow:
            count = await uow.stations.mark_all_offline()
            await uow.commit()
        return count

    async def release(self, owners: Sequence[StationOwner], reason: str) -> list[StationOwner]:
        """Take stations offline whose connection is gone without a disconnect of its own (its
        node stopped or died), unless they have connected again meanwhile."""
        if not owners:
            return []
        async with self.uow() as uow:
            released = await uow.stations.mark_offline(owners)
            await self._released(uow, released, reason)
        self._publish_offline(released)
        return released

    async def release_node(self, node_id: str, reason: str) -> list[StationOwner]:
        """Every station whose connection this node holds goes offline, in one statement: a
        stopping node with thousands of stations is not cut short half-way."""
        async with self.uow() as uow:
            released = await uow.stations.mark_node_offline(node_id)
            await self._released(uow, released, reason)
        self._publish_offline(released)
        return released

    async def _released(
        self, uow: UnitOfWork, released: Sequence[StationOwner], reason: str
    ) -> None:
        now = self.clock.now()
        await uow.events.add_many(
            [
                StationEvent(
                    organization_id=station.organization_id,
                    station_id=station.station_id,
                    kind=EventKind.DISCONNECTED.value,
                    timestamp=now,
                    severity=Severity.WARNING,
                    message=f"offline: {reason}",
                    data={"reason": reason, "owner": station.owner},
                )
                for station in released
            ]
        )
        await uow.commit()

    def _publish_offline(self, released: Sequence[StationOwner]) -> None:
        for station in released:
            self.bus.publish(StationOnlineChanged(station.ocpp_id, online=False))

    async def release_orphans(self, live_nodes: Collection[str]) -> list[StationOwner]:
        """Several nodes: every online station whose owning node is not alive goes offline."""
        async with self.uow(readonly=True) as uow:
            online = await uow.stations.online_owners()
        return await self.release(orphaned(online, live_nodes), "its node is no longer running")

    async def reclaim(self, ref: StationRef, owner: str) -> bool:
        """A node whose liveness lapsed (and whose stations another node swept offline) takes
        back the stations it still holds, unless one has connected elsewhere meanwhile."""
        now = self.clock.now()
        async with self.uow() as uow:
            station = await uow.stations.get_by_id(ref.id)
            if station is None or station.connected_node not in (owner, None):
                return False
            changed = not station.online
            station.online = True
            station.connected_node = owner
            station.last_seen_at = now
            await uow.commit()
        if changed:
            self.bus.publish(StationOnlineChanged(ref.ocpp_id, online=True))
        return True

    async def status(self, ref: StationRef, report: StatusReport) -> None:
        words = (
            report.status.value,
            report.error_code,
            report.info,
            report.vendor_id,
            report.vendor_error_code,
        )
        place = (report.evse_id, report.connector_id)
        last = self._said.get(ref.id, {}).get(place)
        if last is not None and last[0] == words and last[1] <= report.timestamp:
            return  # the same report again: it changes nothing, nothing is written
        applied = False
        now = self.clock.now()
        changed = False
        reported: Connector | None = None
        faults: tuple[Fault | None, Fault | None] = (None, None)
        async with self.uow() as uow:
            station = await self._station(uow, ref.id)
            if report.is_station:
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
                faults = await track_fault(uow, station, report)
            if report.status is ConnectorStatus.FAULTED and changed:
                await uow.events.add(
                    self._event(
                        station,
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
            self._said.setdefault(ref.id, {})[place] = (words, report.timestamp)
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

    async def firmware_status(self, ref: StationRef, status: str) -> None:
        await self._station_status(ref, EventKind.FIRMWARE_STATUS, "firmware_status", status)
        self.bus.publish(FirmwareStatusReported(ref.ocpp_id, status))

    async def diagnostics_status(self, ref: StationRef, status: str) -> None:
        await self._station_status(ref, EventKind.DIAGNOSTICS_STATUS, "diagnostics_status", status)
        self.bus.publish(DiagnosticsStatusReported(ref.ocpp_id, status))

    async def data_transfer(
        self, ref: StationRef, vendor_id: str, message_id: str | None, data: str | None
    ) -> DataTransferAnswer:
        """No vendor extension is installed: the transfer is kept as an event and the station
        is told the vendor is unknown, as OCPP prescribes."""
        now = self.clock.now()
        async with self.uow() as uow:
            station = await self._station(uow, ref.id)
            await uow.events.add(
                self._event(
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
            station = await self._station(uow, ref.id)
            await uow.events.add(
                self._event(
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
            station = await self._station(uow, ref.id)
            await uow.events.add(
                self._event(station, kind, timestamp or self.clock.now(), message, data, severity)
            )
            await uow.commit()

    async def _station_status(
        self, ref: StationRef, kind: EventKind, attribute: str, status: str
    ) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            station = await self._station(uow, ref.id)
            setattr(station, attribute, status)
            station.updated_at = now
            await uow.events.add(
                self._event(
                    station,
                    kind,
                    now,
                    f"{attribute.replace('_', ' ')}: {status}",
                    {"status": status},
                )
            )
            await uow.commit()

    @staticmethod
    async def _station(uow: UnitOfWork, station_id: int, lock: bool = False) -> Station:
        if lock:
            found = await uow.stations.by_ids([station_id], lock=True)
            station = found[0] if found else None
        else:
            station = await uow.stations.get_by_id(station_id)
        if station is None:
            raise NotFound("station", station_id)
        return station

    @staticmethod
    def _event(
        station: Station,
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
