"""Stations and their connectors as operators manage them.

A new station is secure by default: security profile 1, with a random password that the
answer carries this once (only its hash is kept). Profile 0 (no authentication) is only ever
an explicit choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kilowatt.domain.access import AccessMode
from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.events import StationEvent
from kilowatt.domain.live import StationDeleted, StationRegistrationChanged
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.station_security import SecurityProfile, check_profile
from kilowatt.domain.stations import (
    Connector,
    ConnectorSpec,
    CurrentType,
    RegistrationStatus,
    Station,
    StatusChange,
    check_identity,
)
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    StationFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.station_security import StationSecurityService
from kilowatt.services.tariffs import forget_station

STATION_FIELDS = frozenset({"name", "site_id", "registration_status", "access"})
CONNECTOR_FIELDS = frozenset({"current_type", "standard", "max_power_w"})


@dataclass(frozen=True, slots=True)
class StationInput:
    ocpp_id: str
    site_id: int | None = None
    name: str = ""
    registration_status: RegistrationStatus = RegistrationStatus.ACCEPTED
    connectors: Sequence[ConnectorSpec] = field(default_factory=tuple)
    access: AccessMode | None = None
    """Public or private; None: as its site."""
    security_profile: int = SecurityProfile.BASIC
    """How it is to prove who it is (domain/station_security.py); 1 unless chosen."""


@dataclass(frozen=True, slots=True)
class StationDetail:
    station: Station
    connectors: list[Connector]
    password: str | None = None
    """Only as it is created: its new password, in clear, to be shown this once."""


class StationService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        security: StationSecurityService,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.security = security

    async def create(self, principal: Principal, data: StationInput) -> StationDetail:
        check_identity(data.ocpp_id)
        profile = check_profile(data.security_profile)
        keys = [(c.evse_id, c.connector_id) for c in data.connectors]
        if len(set(keys)) != len(keys):
            raise InvalidInput("connectors", "each EVSE/connector pair may appear once")
        credentials = await self.security.new_credentials(profile)
        now = self.clock.now()
        async with self.uow() as uow:
            if await uow.stations.by_ocpp_id(data.ocpp_id) is not None:
                raise Conflict(f"a station with OCPP identity {data.ocpp_id!r} already exists")
            await self._check_site(uow, principal.scope, data.site_id)
            station = await uow.stations.add(
                Station(
                    organization_id=principal.organization_id,
                    ocpp_id=data.ocpp_id,
                    site_id=data.site_id,
                    name=data.name,
                    registration_status=data.registration_status,
                    access=data.access,
                    security_profile=int(profile),
                    password_hash=credentials.password_hash,
                    password_updated_at=now if credentials.password_hash else None,
                    created_at=now,
                    updated_at=now,
                )
            )
            assert station.id is not None
            connectors = [
                await uow.connectors.add(_connector(station.id, spec, now))
                for spec in data.connectors
            ]
            await record(
                uow,
                principal,
                "station.create",
                "station",
                data.ocpp_id,
                {
                    "site_id": data.site_id,
                    "name": data.name,
                    "registration_status": data.registration_status,
                    "access": data.access,
                    "connectors": [f"{c.evse_id}/{c.connector_id}" for c in data.connectors],
                    "security_profile": int(profile),
                    "issued": "password" if credentials.password else None,
                },
                at=now,
            )
            await uow.commit()
        return StationDetail(station, connectors, credentials.password)

    async def get(self, principal: Principal, ocpp_id: str) -> StationDetail:
        async with self.uow(readonly=True) as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            connectors = await uow.connectors.for_station(station.id)
        return StationDetail(station, connectors)

    async def organization_of(self, ocpp_id: str) -> int | None:
        """The organization a station identity belongs to (identities are unique system-wide),
        for routing its live events; None when no such station exists."""
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.by_ocpp_id(ocpp_id)
        return station.organization_id if station is not None else None

    async def placement_of(self, ocpp_id: str) -> tuple[int, int | None] | None:
        """The organization and site of a station identity (None when there is no such
        station), for routing its live events to those who may see them."""
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.by_ocpp_id(ocpp_id)
        return (station.organization_id, station.site_id) if station is not None else None

    async def search(
        self, principal: Principal, page: PageRequest, where: StationFilter
    ) -> Page[Station]:
        async with self.uow(readonly=True) as uow:
            return await uow.stations.search(principal.scope, page, where)

    async def update(
        self, principal: Principal, ocpp_id: str, changes: dict[str, Any]
    ) -> StationDetail:
        unknown = set(changes) - STATION_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        async with self.uow() as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            if "site_id" in changes:
                await self._check_site(uow, principal.scope, changes["site_id"])
            before = station.registration_status
            old = {name: getattr(station, name) for name in changes}
            for name, value in changes.items():
                setattr(station, name, value)
            station.updated_at = self.clock.now()
            connectors = await uow.connectors.for_station(station.id)
            await record(
                uow,
                principal,
                "station.update",
                "station",
                ocpp_id,
                changes_of(old, changes),
                at=station.updated_at,
            )
            await uow.commit()
        if station.registration_status is not before:
            self.bus.publish(StationRegistrationChanged(ocpp_id, station.registration_status))
        return StationDetail(station, connectors)

    async def delete(self, principal: Principal, ocpp_id: str) -> None:
        """A station with transactions is history that invoices rest on: it cannot be deleted,
        only rejected (decommissioned)."""
        async with self.uow() as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            count = await uow.transactions.count_for_station(station.id)
            if count:
                raise Conflict(
                    f"station {ocpp_id} has {count} transaction(s) and cannot be deleted; "
                    "set its registration_status to Rejected to decommission it"
                )
            await forget_station(uow, station)
            await uow.stations.delete(station)
            await record(
                uow,
                principal,
                "station.delete",
                "station",
                ocpp_id,
                {"site_id": station.site_id},
                at=self.clock.now(),
            )
            await uow.commit()
        self.bus.publish(StationDeleted(ocpp_id))

    # Connectors --------------------------------------------------------------------------

    async def add_connector(
        self, principal: Principal, ocpp_id: str, spec: ConnectorSpec
    ) -> Connector:
        now = self.clock.now()
        async with self.uow() as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            if await uow.connectors.get(station.id, spec.evse_id, spec.connector_id):
                raise Conflict(f"EVSE {spec.evse_id} connector {spec.connector_id} already exists")
            connector = await uow.connectors.add(_connector(station.id, spec, now))
            await record(
                uow,
                principal,
                "connector.create",
                "connector",
                f"{ocpp_id}/{spec.evse_id}/{spec.connector_id}",
                {
                    "current_type": spec.current_type,
                    "standard": spec.standard,
                    "max_power_w": spec.max_power_w,
                },
                at=now,
            )
            await uow.commit()
        return connector

    async def update_connector(
        self,
        principal: Principal,
        ocpp_id: str,
        evse_id: int,
        connector_id: int,
        changes: dict[str, Any],
    ) -> Connector:
        unknown = set(changes) - CONNECTOR_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        if changes.get("max_power_w") is not None and changes["max_power_w"] <= 0:
            raise InvalidInput("max_power_w", "must be positive")
        async with self.uow() as uow:
            connector = await self._connector(uow, principal.scope, ocpp_id, evse_id, connector_id)
            old = {name: getattr(connector, name) for name in changes}
            for name, value in changes.items():
                setattr(connector, name, CurrentType(value) if name == "current_type" else value)
            await record(
                uow,
                principal,
                "connector.update",
                "connector",
                f"{ocpp_id}/{evse_id}/{connector_id}",
                changes_of(old, {name: getattr(connector, name) for name in changes}),
                at=self.clock.now(),
            )
            await uow.commit()
        return connector

    async def delete_connector(
        self, principal: Principal, ocpp_id: str, evse_id: int, connector_id: int
    ) -> None:
        async with self.uow() as uow:
            connector = await self._connector(uow, principal.scope, ocpp_id, evse_id, connector_id)
            await uow.connectors.delete(connector)
            await record(
                uow,
                principal,
                "connector.delete",
                "connector",
                f"{ocpp_id}/{evse_id}/{connector_id}",
                at=self.clock.now(),
            )
            await uow.commit()

    async def status_history(
        self,
        principal: Principal,
        ocpp_id: str,
        evse_id: int,
        connector_id: int,
        page: PageRequest,
    ) -> Page[StatusChange]:
        async with self.uow(readonly=True) as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            return await uow.connectors.status_history(station.id, evse_id, connector_id, page)

    async def events(
        self, principal: Principal, ocpp_id: str, page: PageRequest, kind: str | None = None
    ) -> Page[StationEvent]:
        async with self.uow(readonly=True) as uow:
            station = await self._get(uow, principal.scope, ocpp_id)
            assert station.id is not None
            return await uow.events.search(station.id, page, kind)

    # Helpers ------------------------------------------------------------------------------

    @staticmethod
    async def _get(uow: UnitOfWork, scope: Scope, ocpp_id: str) -> Station:
        return await station_in_scope(uow, scope, ocpp_id)

    async def _connector(
        self, uow: UnitOfWork, scope: Scope, ocpp_id: str, evse_id: int, connector_id: int
    ) -> Connector:
        station = await self._get(uow, scope, ocpp_id)
        assert station.id is not None
        connector = await uow.connectors.get(station.id, evse_id, connector_id)
        if connector is None:
            raise NotFound("connector", f"{ocpp_id}/{evse_id}/{connector_id}")
        return connector

    @staticmethod
    async def _check_site(uow: UnitOfWork, scope: Scope, site_id: int | None) -> None:
        """A station goes to a site the caller can see; a caller limited to some sites must
        name one of them."""
        if site_id is None:
            if scope.limited:
                raise InvalidInput(
                    "site_id", "required: you are limited to some sites", reason="site_required"
                )
            return
        if await uow.sites.get(scope, site_id) is None:
            raise InvalidInput(
                "site_id", f"no site {site_id} in this organization", reason="no_such_site"
            )


def _connector(station_id: int, spec: ConnectorSpec, now: Any) -> Connector:
    return Connector(
        station_id=station_id,
        evse_id=spec.evse_id,
        connector_id=spec.connector_id,
        current_type=spec.current_type,
        standard=spec.standard,
        max_power_w=spec.max_power_w,
        created_at=now,
    )
