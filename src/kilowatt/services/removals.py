"""Deleting sites and stations together with what they hold, after a confirmation that
counts it (domain/removals.py): a site with its stations, and stations with their charging
sessions (meter readings and transaction events go with them) and faults; connectors, event
and message logs, commands and the rest of a station go by the database's cascade.

Sessions are what invoices rest on: accounting keeps their charge detail records, which are
stored apart from them (no foreign key) and stay when they go; the accounting hook
(``AccountingRecords``, services/ports/removals.py) is where anything else accounting must keep
is moved first. The confirmation counts the records that stay. Everything happens in one unit
of work, recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.live import StationDeleted
from kilowatt.domain.removals import Contents, total
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Station
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.ports.removals import AccountingRecords
from kilowatt.services.sites import remove_site
from kilowatt.services.tariffs import forget_station

MAX_STATIONS = 500
"""Stations one request deletes at most (a multi-select of a list page)."""


class CdrsStay:
    """Charge detail records are stored apart from sessions and outlive them: nothing to move."""

    keeps_records = True

    async def archive(self, station_ids: Collection[int]) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class StationContents:
    station: Station
    contents: Contents


@dataclass(frozen=True, slots=True)
class Removal:
    """What deleting would take: the site (None: stations alone), its or the chosen stations
    with what each holds, the sum, and whether accounting keeps records of the sessions."""

    site: Site | None
    stations: list[StationContents]
    total: Contents
    archives_sessions: bool
    kept_records: int = 0
    """Charge detail records of the sessions, which stay."""


class RemovalService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        accounting: AccountingRecords | None = None,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.accounting: AccountingRecords = accounting or CdrsStay()

    async def of_site(self, principal: Principal, site_id: int) -> Removal:
        async with self.uow(readonly=True) as uow:
            site = await _site(uow, principal, site_id)
            stations = await uow.stations.by_ids(await uow.removals.stations_at_site(site_id))
            return await self._removal(uow, site, stations)

    async def of_stations(self, principal: Principal, ocpp_ids: Sequence[str]) -> Removal:
        async with self.uow(readonly=True) as uow:
            stations = await _stations(uow, principal, ocpp_ids)
            return await self._removal(uow, None, stations)

    async def delete_sites(
        self,
        principal: Principal,
        site_ids: Sequence[int],
        *,
        with_contents: bool,
        expected_stations: int | None = None,
    ) -> Contents:
        """Delete the sites, all or none; with their stations, the stations' sessions and
        faults when ``with_contents``, else Conflict if any has stations. Conflict too when
        ``expected_stations`` (what the confirmation counted) is not what they hold now.
        What went, counted."""
        now = self.clock.now()
        chosen = list(dict.fromkeys(site_ids))
        if len(chosen) > MAX_STATIONS:
            raise Conflict(f"at most {MAX_STATIONS} sites at once")
        async with self.uow() as uow:
            sites = [await _site(uow, principal, site_id) for site_id in chosen]
            station_ids = [
                station_id
                for site_id in chosen
                for station_id in await uow.removals.stations_at_site(site_id)
            ]
            stations = await uow.stations.by_ids(station_ids)
            if stations and not with_contents:
                raise Conflict(f"the sites still have {len(stations)} station(s)")
            if expected_stations is not None and expected_stations != len(stations):
                raise Conflict("the sites' stations changed since the confirmation")
            gone = await self._delete_stations(uow, principal, stations, now)
            for site in sites:
                await remove_site(uow, principal, site, now)
            await uow.commit()
        for station in stations:
            self.bus.publish(StationDeleted(station.ocpp_id))
        return gone

    async def delete_stations(
        self, principal: Principal, ocpp_ids: Sequence[str], *, with_sessions: bool
    ) -> Contents:
        """Delete the stations; those with sessions only ``with_sessions`` (else Conflict,
        nothing deleted). What went, counted."""
        now = self.clock.now()
        async with self.uow() as uow:
            stations = await _stations(uow, principal, ocpp_ids)
            if not with_sessions:
                contents = await uow.removals.contents([_id(s) for s in stations])
                busy = [s.ocpp_id for s in stations if contents[_id(s)].sessions]
                if busy:
                    raise Conflict(f"stations with sessions: {', '.join(busy)}")
            gone = await self._delete_stations(uow, principal, stations, now)
            await uow.commit()
        for station in stations:
            self.bus.publish(StationDeleted(station.ocpp_id))
        return gone

    # -----------------------------------------------------------------------------------------

    async def _removal(
        self, uow: UnitOfWork, site: Site | None, stations: list[Station]
    ) -> Removal:
        contents = await uow.removals.contents([_id(s) for s in stations])
        rows = [StationContents(s, contents[_id(s)]) for s in stations]
        return Removal(
            site,
            rows,
            total(r.contents for r in rows),
            self.accounting.keeps_records,
            await uow.removals.accounting_records([_id(s) for s in stations]),
        )

    async def _delete_stations(
        self, uow: UnitOfWork, principal: Principal, stations: list[Station], now: datetime
    ) -> Contents:
        ids = [_id(s) for s in stations]
        contents = await uow.removals.contents(ids)
        archived = await self.accounting.archive(ids)
        await uow.removals.delete_sessions(ids)
        for station in stations:
            held = contents[_id(station)]
            await forget_station(uow, station)
            await uow.stations.delete(station)
            await record(
                uow,
                principal,
                "station.delete",
                "station",
                station.ocpp_id,
                {
                    "site_id": station.site_id,
                    "sessions": held.sessions,
                    "faults": held.faults,
                    "archived": archived,
                },
                at=now,
            )
        return total(contents.values())


def _id(station: Station) -> int:
    assert station.id is not None
    return station.id


async def _site(uow: UnitOfWork, principal: Principal, site_id: int) -> Site:
    site = await uow.sites.get(principal.scope, site_id)
    if site is None:
        raise NotFound("site", site_id)
    return site


async def _stations(
    uow: UnitOfWork, principal: Principal, ocpp_ids: Sequence[str]
) -> list[Station]:
    """The stations named, each in the caller's scope (NotFound for the first that is not)."""
    chosen = list(dict.fromkeys(ocpp_ids))
    if len(chosen) > MAX_STATIONS:
        raise Conflict(f"at most {MAX_STATIONS} stations at once")
    return [await station_in_scope(uow, principal.scope, ocpp_id) for ocpp_id in chosen]
