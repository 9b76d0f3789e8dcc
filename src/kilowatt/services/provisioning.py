"""A station's life on the wire: it connects, boots, goes away (what it reports while
connected: services/station_reports.py).

Every call here is one unit of work; the OCPP edge answers the station only after it returns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.events import EventKind, Severity, StationEvent
from kilowatt.domain.live import (
    StationBooted,
    StationOnlineChanged,
)
from kilowatt.domain.organizations import DEFAULT_ORGANIZATION_NAME, Organization
from kilowatt.domain.ownership import StationOwner, orphaned
from kilowatt.domain.stations import (
    BootDecision,
    BootInfo,
    RegistrationStatus,
    Station,
    StationRef,
    UnknownStationPolicy,
    decide_boot,
)
from kilowatt.services.base import Service
from kilowatt.services.batching import GroupCommit
from kilowatt.services.metering import ReadingMemory
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.station_reports import ReportMemory, station_event, station_of


@dataclass(frozen=True, slots=True)
class Disconnect:
    ref: StationRef
    code: int | None
    reason: str
    owner: str | None


async def default_organization(uow: UnitOfWork, now: datetime) -> Organization:
    organization = await uow.organizations.first()
    if organization is None:
        organization = await uow.organizations.add(
            Organization(name=DEFAULT_ORGANIZATION_NAME, created_at=now)
        )
    return organization


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
        memory: ReportMemory,
        readings: ReadingMemory | None = None,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.memory = memory
        """The reports this node has applied (services/station_reports.py), read afresh as a
        station connects."""
        self.readings = readings or ReadingMemory()
        """The newest readings this node stored (services/metering.py), read afresh too."""
        self.unknown_station_policy = unknown_station_policy
        self.heartbeat_interval = heartbeat_interval
        self.pending_interval = pending_interval
        self._disconnects: GroupCommit[Disconnect] = GroupCommit(
            self._write_disconnects, max_batch=500
        )

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
                    station_event(
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
        self.memory.forget(ref.id)
        self.readings.forget(ref.id)
        now = self.clock.now()
        async with self.uow() as uow:
            # Locked, like the disconnect's read: a late disconnect of the older connection
            # that commits in between would otherwise leave online false (it looked unchanged).
            station = await station_of(uow, ref.id, lock=True)
            connectors = await uow.connectors.for_station(ref.id)
            station.online = True
            station.connected_node = owner
            station.protocol_version = protocol_version
            station.connected_at = now
            station.last_seen_at = now
            station.updated_at = now
            await uow.events.add(
                station_event(
                    station,
                    EventKind.CONNECTED,
                    now,
                    f"connected with OCPP {protocol_version}",
                    {"protocol_version": protocol_version, "remote": remote},
                )
            )
            await uow.commit()
            fresh = _ref(station)
        self.memory.remember(ref.id, connectors)
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
                    station_event(
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

    async def boot(self, ref: StationRef, info: BootInfo) -> BootDecision:
        now = self.clock.now()
        async with self.uow() as uow:
            station = await station_of(uow, ref.id)
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
                station_event(
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
