"""Tariffs: create, revise (a new version), archive, assign, and quote a session.

A tariff's content is never edited in place: a revision is a new version in force from now
(or a later instant), so every session already priced keeps the price it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.cdrs import Place, Scope, TariffAssignment, tariff_for
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.pricing import PricedSession, Reading, price_session
from kilowatt.domain.stations import Station
from kilowatt.domain.tariff_codec import parse_version
from kilowatt.domain.tariffs import Tariff, TariffVersion
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import BillingContext, UnitOfWork

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class TariffView:
    tariff: Tariff
    versions: list[TariffVersion]

    @property
    def current(self) -> TariffVersion:
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class Quote:
    """What the calculator answers: the price of a described session, and why."""

    priced: PricedSession
    version: TariffVersion
    timezone: str


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("name", f"needs 1 to {MAX_NAME} characters")
    return name


class TariffService(Service):
    async def create(self, principal: Principal, name: str, body: Any) -> TariffView:
        name = _name(name)
        now = self.clock.now()
        version = parse_version(body, now, 1)
        async with self.uow() as uow:
            if await uow.tariffs.by_name(principal.organization_id, name) is not None:
                raise Conflict(f"a tariff named {name!r} exists already")
            tariff = await uow.tariffs.add(Tariff(principal.organization_id, name, now))
            assert tariff.id is not None
            await uow.tariffs.add_version(tariff.id, version, principal.name, now)
            await record(uow, principal, "create", "tariff", tariff.id, {"name": name}, at=now)
            await uow.commit()
        return TariffView(tariff, [version])

    async def revise(
        self,
        principal: Principal,
        tariff_id: int,
        body: Any,
        valid_from: datetime | None = None,
    ) -> TariffView:
        """A new version, in force from ``valid_from`` (now when None; never in the past)."""
        now = self.clock.now()
        start = now if valid_from is None else valid_from
        if start < now - timedelta(seconds=1):
            raise InvalidInput("valid_from", "a new version cannot reprice the past")
        async with self.uow() as uow:
            tariff = await self._tariff(uow, principal, tariff_id)
            if tariff.archived:
                raise Conflict("an archived tariff is not revised")
            versions = (await uow.tariffs.versions([tariff_id]))[tariff_id]
            latest = versions[-1]
            if start <= latest.valid_from:
                raise InvalidInput("valid_from", "must be after the latest version's start")
            version = parse_version(body, start, latest.version + 1)
            if version.currency != latest.currency:
                raise InvalidInput("currency", "a tariff keeps its currency; make a new tariff")
            await uow.tariffs.add_version(tariff_id, version, principal.name, now)
            await record(
                uow, principal, "revise", "tariff", tariff_id, {"version": version.version}, at=now
            )
            await uow.commit()
        return TariffView(tariff, [*versions, version])

    async def archive(self, principal: Principal, tariff_id: int) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            tariff = await self._tariff(uow, principal, tariff_id)
            in_use = [
                a
                for a in await uow.tariffs.assignments(principal.organization_id)
                if a.tariff_id == tariff_id
            ]
            if in_use:
                raise Conflict("the tariff is still assigned: remove its assignments first")
            tariff.archived = True
            await record(uow, principal, "archive", "tariff", tariff_id, at=now)
            await uow.commit()

    async def get(self, principal: Principal, tariff_id: int) -> TariffView:
        async with self.uow() as uow:
            tariff = await self._tariff(uow, principal, tariff_id)
            versions = (await uow.tariffs.versions([tariff_id]))[tariff_id]
        return TariffView(tariff, versions)

    async def all(self, principal: Principal, archived: bool = False) -> list[TariffView]:
        async with self.uow() as uow:
            tariffs = await uow.tariffs.all(principal.organization_id, archived)
            versions = await uow.tariffs.versions([t.id for t in tariffs if t.id is not None])
        return [TariffView(t, versions[t.id]) for t in tariffs if t.id is not None]

    async def assign(
        self,
        principal: Principal,
        tariff_id: int,
        scope: Scope,
        scope_id: int | None = None,
        evse_id: int | None = None,
        station: str | None = None,
    ) -> TariffAssignment:
        """Assign the tariff to a token group, an EVSE, a station, a site or the organization
        (its default). A station (or an EVSE's) may be named by its OCPP identity
        (``station``) instead of its id. An earlier assignment to the same target is
        replaced."""
        now = self.clock.now()
        org = principal.organization_id
        async with self.uow() as uow:
            tariff = await self._tariff(uow, principal, tariff_id)
            if tariff.archived:
                raise Conflict("an archived tariff is not assigned")
            if station is not None:
                scope_id = await self._station_id(uow, principal, scope, scope_id, station)
            target = await self._target(uow, principal, scope, scope_id, evse_id)
            for old in await uow.tariffs.assignments(org):
                if (old.scope, old.scope_id, old.evse_id) == (scope, target, evse_id):
                    await uow.tariffs.delete_assignment(old)
            assignment = await uow.tariffs.add_assignment(
                TariffAssignment(org, tariff_id, scope, target, evse_id)
            )
            await record(
                uow,
                principal,
                "assign",
                "tariff",
                tariff_id,
                {"scope": scope.value, "scope_id": target, "evse_id": evse_id},
                at=now,
            )
            await uow.commit()
        return assignment

    async def unassign(self, principal: Principal, assignment_id: int) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            found = await uow.tariffs.assignment(principal.organization_id, assignment_id)
            if found is None:
                raise NotFound("tariff assignment", assignment_id)
            await uow.tariffs.delete_assignment(found)
            await record(uow, principal, "unassign", "tariff", found.tariff_id, at=now)
            await uow.commit()

    async def assignments(self, principal: Principal) -> list[TariffAssignment]:
        async with self.uow() as uow:
            return await uow.tariffs.assignments(principal.organization_id)

    async def applicable(
        self, principal: Principal, place: Place
    ) -> tuple[TariffAssignment, list[TariffVersion]] | None:
        async with self.uow() as uow:
            found = tariff_for(await uow.tariffs.assignments(principal.organization_id), place)
            if found is None:
                return None
            versions = await uow.tariffs.versions([found.tariff_id])
        return found, versions[found.tariff_id]

    async def quote(
        self,
        principal: Principal,
        tariff_id: int,
        start: datetime,
        charging_until: datetime,
        energy_wh: int,
        connected_until: datetime | None = None,
        timezone: str = "UTC",
    ) -> Quote:
        """The price of a session that charges ``energy_wh`` evenly from ``start`` to
        ``charging_until`` and stays connected, idle, until ``connected_until``."""
        if energy_wh < 0:
            raise InvalidInput("energy_wh", "must not be negative")
        if charging_until <= start:
            raise InvalidInput("charging_until", "must be after the start")
        end = connected_until or charging_until
        if end < charging_until:
            raise InvalidInput("connected_until", "must not be before the charging ends")
        view = await self.get(principal, tariff_id)
        readings = [Reading(start, 0, charging=True), Reading(charging_until, energy_wh)]
        if end > charging_until:
            readings[-1] = Reading(charging_until, energy_wh, charging=False)
            readings.append(Reading(end, energy_wh))
        try:
            priced = price_session(view.versions, timezone, readings)
        except (KeyError, ValueError) as exc:
            raise InvalidInput("timezone", f"unknown time zone {timezone!r}") from exc
        return Quote(priced, view.current, timezone)

    async def _tariff(self, uow: UnitOfWork, principal: Principal, tariff_id: int) -> Tariff:
        tariff = await uow.tariffs.get(principal.organization_id, tariff_id)
        if tariff is None:
            raise NotFound("tariff", tariff_id)
        return tariff

    async def station_identities(
        self, principal: Principal, assignments: list[TariffAssignment]
    ) -> dict[int, str]:
        """The OCPP identity of each station that ``assignments`` name, by its id."""
        ids = {a.scope_id for a in assignments if a.scope in (Scope.STATION, Scope.EVSE)}
        found: dict[int, str] = {}
        async with self.uow(readonly=True) as uow:
            for station_id in sorted(ids):
                station = await uow.stations.get_by_id(station_id)
                if station is not None and station.organization_id == principal.organization_id:
                    found[station_id] = station.ocpp_id
        return found

    @staticmethod
    async def _station_id(
        uow: UnitOfWork, principal: Principal, scope: Scope, scope_id: int | None, ocpp_id: str
    ) -> int:
        if scope not in (Scope.STATION, Scope.EVSE):
            raise InvalidInput("station", "is only for a station or an EVSE assignment")
        found = await station_in_scope(uow, principal.scope, ocpp_id)
        assert found.id is not None
        if scope_id is not None and scope_id != found.id:
            raise InvalidInput("scope_id", "names another station than station does")
        return found.id

    async def _target(
        self,
        uow: UnitOfWork,
        principal: Principal,
        scope: Scope,
        scope_id: int | None,
        evse_id: int | None,
    ) -> int:
        org = principal.organization_id
        if scope is Scope.ORGANIZATION:
            return org
        if scope_id is None:
            raise InvalidInput("scope_id", f"names the {scope.value}")
        if scope is Scope.TOKEN_GROUP:
            if await uow.token_groups.get(org, scope_id) is None:
                raise NotFound("token group", scope_id)
        elif scope is Scope.SITE:
            if await uow.sites.get(principal.scope, scope_id) is None:
                raise NotFound("site", scope_id)
        else:
            station = await uow.stations.get_by_id(scope_id)
            if station is None or station.organization_id != org:
                raise NotFound("station", scope_id)
            if scope is Scope.EVSE and (evse_id is None or evse_id < 1):
                raise InvalidInput("evse_id", "names the EVSE (1 or more)")
        if scope is not Scope.EVSE and evse_id is not None:
            raise InvalidInput("evse_id", "is only for an EVSE assignment")
        return scope_id


# Places that go take their assignments with them ------------------------------------------


async def forget_site(uow: UnitOfWork, organization_id: int, site_id: int) -> None:
    """In the unit of work deleting the site: its assignments go (a later site that happened
    to get the same id must not inherit its tariff)."""
    await uow.tariffs.forget(organization_id, (Scope.SITE,), site_id)


async def forget_station(uow: UnitOfWork, station: Station) -> None:
    """In the unit of work deleting the station: its and its EVSEs' assignments go."""
    assert station.id is not None
    await uow.tariffs.forget(station.organization_id, (Scope.STATION, Scope.EVSE), station.id)


async def forget_group(uow: UnitOfWork, organization_id: int, group_id: int) -> None:
    """In the unit of work deleting the token group: its assignments go."""
    await uow.tariffs.forget(organization_id, (Scope.TOKEN_GROUP,), group_id)


async def tariff_in_force(
    uow: UnitOfWork, context: BillingContext, evse_id: int
) -> tuple[int, list[TariffVersion]] | None:
    """The tariff that prices a session at ``context``'s place on ``evse_id`` (its token's
    group first, then the EVSE, the station, the site, the organization's default): its id
    and versions, None when no tariff applies (the session is free)."""
    place = Place(
        context.organization_id,
        context.site_id,
        context.station_id,
        evse_id,
        () if context.group_id is None else (context.group_id,),
    )
    assignment = tariff_for(await uow.tariffs.assignments(context.organization_id), place)
    if assignment is None:
        return None
    versions = (await uow.tariffs.versions([assignment.tariff_id])).get(assignment.tariff_id)
    return (assignment.tariff_id, versions) if versions else None
