"""Reports: the home page's figures and their changes, the monthly series, what the
connectors are doing, the map's sites. Definitions: domain/reporting.py. Money (revenue and
top-ups) is reported by services/revenue.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kilowatt.domain.drivers import Driver
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.permissions import Permission, allows
from kilowatt.domain.reporting import (
    Comparison,
    Figures,
    SitePoint,
    Span,
    StatusCounts,
    first_day_needed,
    local_midnight,
    merge,
    monthly,
    per_day,
    periods,
    total,
)
from kilowatt.domain.reporting_periods import stretch_bounds, stretch_figures, zone_bounds
from kilowatt.domain.sites import check_timezone
from kilowatt.domain.transactions import EARLIEST_PLAUSIBLE, Transaction, TransactionState
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.ports import UnitOfWork

MAX_MONTHS = 36


@dataclass(frozen=True, slots=True)
class Summary:
    """Today and the periods it is compared with, in ``timezone``."""

    timezone: str
    today: date
    generated_at: datetime
    day: Comparison
    month: Comparison
    year: Comparison
    cumulative: Figures
    drivers_counted: bool
    """False: new driver accounts are not reported to this caller (limited to some sites, or
    without tokens:read): drivers belong to the organization, not to a site."""
    status: StatusCounts


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the home page shows, read in one unit of work."""

    summary: Summary
    months: list[tuple[date, Figures]]
    sites: list[SitePoint]


@dataclass(frozen=True, slots=True)
class HistoricSession:
    """A completed charging session of the past, for import_history."""

    station_id: int
    evse_id: int
    connector_id: int
    id_tag: str
    start_time: datetime
    stop_time: datetime
    energy_wh: int
    meter_start_wh: int = 0
    id_token_id: int | None = None


@dataclass(frozen=True, slots=True)
class HistoricDriver:
    email: str
    name: str
    created_at: datetime


class ReportingService(Service):
    async def summary(self, principal: Principal, timezone: str | None = None) -> Summary:
        async with self.uow(readonly=True) as uow:
            return (await self._read(uow, principal, timezone, 1, with_sites=False)).summary

    async def monthly(
        self, principal: Principal, months: int = 12, timezone: str | None = None
    ) -> tuple[str, list[tuple[date, Figures]]]:
        """The ``months`` months ending with this one, oldest first; with the time zone."""
        async with self.uow(readonly=True) as uow:
            overview = await self._read(uow, principal, timezone, months, with_sites=False)
        return overview.summary.timezone, overview.months

    async def overview(self, principal: Principal, months: int = 12) -> Overview:
        async with self.uow(readonly=True) as uow:
            return await self._read(uow, principal, None, months, with_sites=True)

    @staticmethod
    def counts_drivers(principal: Principal) -> bool:
        """New driver accounts are reported only to callers that may read tokens and are not
        limited to some sites: drivers belong to the organization, not to a site."""
        return not principal.limited and allows(principal, Permission.TOKENS_READ)

    async def status(self, principal: Principal) -> StatusCounts:
        async with self.uow(readonly=True) as uow:
            return await uow.reporting.status(principal.scope)

    async def _read(
        self,
        uow: UnitOfWork,
        principal: Principal,
        timezone: str | None,
        months: int,
        *,
        with_sites: bool,
    ) -> Overview:
        if not 1 <= months <= MAX_MONTHS:
            raise InvalidInput("months", f"must be from 1 to {MAX_MONTHS}")
        scope = principal.scope
        points = await uow.reporting.sites(scope) if with_sites or timezone is None else []
        if timezone is None:
            # The caller's first site's zone (UTC without sites): where "today" is.
            timezone = points[0].timezone if points else "UTC"
        zone = ZoneInfo(check_timezone(timezone))
        now = self.clock.now()
        today = now.astimezone(zone).date()
        first = first_day_needed(today, months)
        # A day later and earlier: every site's local day, whatever its zone, is read whole.
        start = local_midnight(first - timedelta(days=1), zone)
        end = local_midnight(today + timedelta(days=2), zone)
        days = await uow.reporting.daily(scope, start, end, now)
        cumulative = await uow.reporting.cumulative(scope, now)
        counted = self.counts_drivers(principal)
        if counted:
            made = await uow.drivers.created_between(
                principal.organization_id, local_midnight(first, zone), now
            )
            days = merge(days, per_day(made, zone))
            cumulative = Figures(
                cumulative.sessions,
                cumulative.energy_wh,
                cumulative.charging_seconds,
                await uow.reporting.drivers_made(
                    principal.organization_id, EARLIEST_PLAUSIBLE, now + timedelta(days=1)
                ),
            )
        days = {day: figures for day, figures in days.items() if first <= day <= today}
        zones = await uow.reporting.zones(scope)
        compared: dict[Span, Comparison] = {}
        for span, (current, previous) in periods(today).items():
            bounds = zone_bounds(previous, now, zones)
            ended, crossing = await uow.reporting.stretch(scope, bounds)
            earlier = stretch_figures(ended, crossing, bounds)
            since, until = stretch_bounds(previous, now, zone)
            if counted:
                made_then = await uow.reporting.drivers_made(
                    principal.organization_id, since, until
                )
                earlier = earlier + Figures(new_drivers=made_then)
            compared[span] = Comparison(
                total(days, current.first, current.last),
                earlier,
                current,
                previous,
                until.astimezone(zone),
            )
        summary = Summary(
            timezone=timezone,
            today=today,
            generated_at=now,
            day=compared[Span.DAY],
            month=compared[Span.MONTH],
            year=compared[Span.YEAR],
            cumulative=cumulative,
            drivers_counted=counted,
            status=await uow.reporting.status(scope),
        )
        return Overview(summary, monthly(days, today, months), points if with_sites else [])

    async def import_history(
        self,
        principal: Principal,
        sessions: Sequence[HistoricSession],
        drivers: Sequence[HistoricDriver] = (),
    ) -> int:
        """Store completed sessions (and drivers) of the past in one database transaction,
        without events or audit entries: for the demo's history. The stations must be the
        caller's. Returns how many sessions were stored."""
        async with self.uow() as uow:
            checked: dict[int, bool] = {}
            rows: list[Transaction] = []
            for session in sessions:
                if session.station_id not in checked:
                    station = await uow.stations.get_by_id(session.station_id)
                    checked[session.station_id] = (
                        station is not None
                        and station.organization_id == principal.organization_id
                        and principal.scope.allows_site(station.site_id)
                    )
                if not checked[session.station_id]:
                    raise InvalidInput("station_id", f"no station {session.station_id}")
                if session.stop_time < session.start_time or session.energy_wh < 0:
                    raise InvalidInput("sessions", "a session must end after it starts")
                rows.append(
                    Transaction(
                        organization_id=principal.organization_id,
                        station_id=session.station_id,
                        evse_id=session.evse_id,
                        connector_id=session.connector_id,
                        id_tag=session.id_tag,
                        id_token_id=session.id_token_id,
                        start_time=session.start_time,
                        stop_time=session.stop_time,
                        meter_start_wh=session.meter_start_wh,
                        meter_stop_wh=session.meter_start_wh + session.energy_wh,
                        energy_wh=session.energy_wh,
                        stop_reason="EVDisconnected",
                        state=TransactionState.COMPLETED,
                        created_at=session.start_time,
                        updated_at=session.stop_time,
                    )
                )
            people = [
                Driver(
                    organization_id=principal.organization_id,
                    email=driver.email.lower(),
                    name=driver.name,
                    created_at=driver.created_at,
                    updated_at=driver.created_at,
                )
                for driver in drivers
            ]
            await uow.reporting.import_history(rows, people)
            await uow.commit()
        return len(rows)
