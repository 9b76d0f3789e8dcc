"""Site monitoring and the connector page: what an operator watches, and power limits.

Reads are scoped like every other service (a caller limited to some sites sees only those);
power limits and commands go through CommandService, recorded and audited like the
API's commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kilowatt.domain.command_params import (
    ClearChargingProfile,
    CommandParams,
    SetChargingProfile,
)
from kilowatt.domain.commands import Command, CommandStatus
from kilowatt.domain.curves import CurvePoint, curve
from kilowatt.domain.errors import DomainError, InvalidInput, NotFound
from kilowatt.domain.fuzzy import fuzzy_filter
from kilowatt.domain.metering import MeterRecord
from kilowatt.domain.monitoring import (
    ConnectorCounts,
    ConnectorFilter,
    ConnectorRow,
    SessionFigures,
    SessionSpan,
    SiteCard,
    Totals,
    add_running,
    connector_counts,
    day_start,
    filter_connectors,
    session_figures,
)
from kilowatt.domain.power_limits import (
    PowerSetting,
    limit_profile,
    power_settings,
    profile_id_for,
    setting_for,
)
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Connector, OcppId, Station, key_of
from kilowatt.domain.transactions import Transaction, live_energy_wh
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

COMMAND_WAIT = 20.0
"""Seconds a dashboard request waits for a station's answer (the command goes on after)."""


@dataclass(frozen=True, slots=True)
class SiteOverview:
    site: Site
    connectors: list[ConnectorRow]
    """After the filter."""
    all_rows: list[ConnectorRow]
    counts: ConnectorCounts
    """Of every connector of the site."""
    today: SessionFigures
    settings: dict[tuple[int, int], PowerSetting]

    def setting(self, row: ConnectorRow) -> PowerSetting | None:
        return setting_for(self.settings, row.station_id, row.evse_id)


@dataclass(frozen=True, slots=True)
class RunningSession:
    transaction: Transaction
    energy_wh: int | None
    points: list[CurvePoint]


@dataclass(frozen=True, slots=True)
class ConnectorOverview:
    station: Station
    connector: Connector
    site: Site | None
    today: SessionFigures
    today_energy_wh: int
    totals: Totals
    running: RunningSession | None
    sessions: list[SessionSpan]
    setting: PowerSetting | None


@dataclass(frozen=True, slots=True)
class Target:
    station_id: int
    evse_id: int
    connector_id: int


@dataclass(frozen=True, slots=True)
class TargetResult:
    """What became of a power limit (or its removal) on one connector."""

    target: Target
    label: str
    status: str
    """A CommandStatus value, or "failed" when it could not be sent."""
    error: str = ""
    command: Command | None = field(default=None, compare=False)


class MonitoringService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        remote: CommandService,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.remote = remote

    # Sites -------------------------------------------------------------------------------

    async def sites(self, principal: Principal, search: str = "") -> list[SiteCard]:
        """The caller's sites with their counts; with ``search``, the fuzzy matches of name (or
        city), best first."""
        async with self.uow(readonly=True) as uow:
            cards = await uow.monitoring.site_cards(principal.scope)
        return fuzzy_filter(search, cards, lambda c: c.name, lambda c: c.city)

    async def site(
        self, principal: Principal, site_id: int, where: ConnectorFilter | None = None
    ) -> SiteOverview:
        now = self.clock.now()
        async with self.uow(readonly=True) as uow:
            site = await uow.sites.get(principal.scope, site_id)
            if site is None:
                raise NotFound("site", site_id)
            rows = await uow.monitoring.site_connectors(site_id)
            station_ids = {row.station_id for row in rows}
            since = day_start(now, site.timezone)
            spans = await uow.monitoring.sessions_since(
                principal.organization_id, station_ids, since
            )
            commands = await uow.monitoring.profile_commands(station_ids)
        return SiteOverview(
            site=site,
            connectors=filter_connectors(rows, where or ConnectorFilter()),
            all_rows=rows,
            counts=connector_counts(rows),
            today=session_figures(spans, since, now),
            settings=power_settings(commands),
        )

    # One connector -------------------------------------------------------------------------

    async def connector(
        self, principal: Principal, station_id: int, evse_id: int, connector_id: int
    ) -> ConnectorOverview:
        now = self.clock.now()
        async with self.uow(readonly=True) as uow:
            station, connector = await self._connector(
                uow, principal, station_id, evse_id, connector_id
            )
            site = (
                await uow.sites.get(principal.scope, station.site_id)
                if station.site_id is not None
                else None
            )
            since = day_start(now, site.timezone if site is not None else "UTC")
            spans = await uow.monitoring.sessions_since(
                principal.organization_id, {station_id}, since, (evse_id, connector_id)
            )
            totals = await uow.monitoring.connector_totals(station_id, evse_id, connector_id)
            recent = await uow.monitoring.recent_sessions(station_id, evse_id, connector_id)
            commands = await uow.monitoring.profile_commands({station_id})
            open_ = await uow.transactions.open_on_connector(station_id, evse_id, connector_id)
            transaction = max(open_, key=lambda t: t.start_time) if open_ else None
            readings: list[MeterRecord] = []
            if transaction is not None and transaction.id is not None:
                readings = await uow.transactions.meter_values([transaction.id])
        today_energy = sum(s.energy_wh or 0 for s in spans if s.start >= since and not s.active)
        running = None
        if transaction is not None:
            live = live_energy_wh(transaction)
            if transaction.start_time >= since:
                today_energy += live or 0
            running = RunningSession(
                transaction,
                live,
                curve(readings, transaction.start_time, transaction.meter_start_wh),
            )
        return ConnectorOverview(
            station=station,
            connector=connector,
            site=site,
            today=session_figures(spans, since, now),
            today_energy_wh=today_energy,
            totals=add_running(totals, spans, now, running.energy_wh if running else None),
            running=running,
            sessions=recent,
            setting=setting_for(power_settings(commands), station_id, evse_id),
        )

    async def running_transaction(
        self, principal: Principal, station_id: int, evse_id: int, connector_id: int
    ) -> tuple[Station, Transaction | None]:
        async with self.uow(readonly=True) as uow:
            station, _ = await self._connector(uow, principal, station_id, evse_id, connector_id)
            open_ = await uow.transactions.open_on_connector(station_id, evse_id, connector_id)
        return station, max(open_, key=lambda t: t.start_time) if open_ else None

    async def station_number(self, principal: Principal, key: str) -> int:
        """The numeric id of the station whose OCPP identity is ``key`` (the dashboard's URLs
        name stations by their identity, as the API does)."""
        async with self.uow(readonly=True) as uow:
            return key_of(await station_in_scope(uow, principal.scope, key))

    # Power limits ----------------------------------------------------------------------------

    async def set_power_limit(
        self, principal: Principal, targets: Sequence[Target], limit_w: int, requested_by: str
    ) -> list[TargetResult]:
        """Send each connector's EVSE a default profile limiting it to ``limit_w``."""
        now = self.clock.now()

        def params(target: Target) -> CommandParams:
            profile = limit_profile(target.evse_id, limit_w, now)
            return SetChargingProfile(evse_id=target.evse_id, charging_profile=profile)

        return await self._each(principal, targets, params, requested_by)

    async def clear_power_limit(
        self, principal: Principal, targets: Sequence[Target], requested_by: str
    ) -> list[TargetResult]:
        """Clear the dashboard's limit on each connector's EVSE."""

        def params(target: Target) -> CommandParams:
            return ClearChargingProfile(
                profile_id=profile_id_for(target.evse_id), evse_id=target.evse_id
            )

        return await self._each(principal, targets, params, requested_by)

    async def _each(
        self,
        principal: Principal,
        targets: Sequence[Target],
        params: Callable[[Target], CommandParams],
        requested_by: str,
    ) -> list[TargetResult]:
        if not targets:
            raise InvalidInput("connectors", "select at least one connector")
        unique = list(dict.fromkeys(targets))
        async with self.uow(readonly=True) as uow:
            stations: dict[int, Station] = {}
            for station_id in {t.station_id for t in unique}:
                station = await uow.monitoring.station(principal.scope, station_id)
                if station is None:
                    raise NotFound("station", station_id)
                stations[station_id] = station
        # One command per EVSE (two connectors of one EVSE share its limit).
        per_evse: dict[tuple[int, int], Target] = {}
        for target in unique:
            per_evse.setdefault((target.station_id, target.evse_id), target)

        async def send(target: Target) -> TargetResult:
            station = stations[target.station_id]
            label = f"{station.ocpp_id}/{target.evse_id}/{target.connector_id}"
            try:
                command = await self.remote.execute(
                    principal,
                    OcppId(station.ocpp_id),
                    params(target),
                    requested_by,
                    wait=COMMAND_WAIT,
                )
            except DomainError as error:
                return TargetResult(target, label, CommandStatus.FAILED.value, str(error))
            return TargetResult(target, label, command.status.value, command.error, command)

        sent = await asyncio.gather(*(send(t) for t in per_evse.values()))
        by_evse = {(r.target.station_id, r.target.evse_id): r for r in sent}
        results = []
        for target in unique:
            result = by_evse[(target.station_id, target.evse_id)]
            station = stations[target.station_id]
            label = f"{station.ocpp_id}/{target.evse_id}/{target.connector_id}"
            results.append(TargetResult(target, label, result.status, result.error, result.command))
        return results

    # Helpers ---------------------------------------------------------------------------------

    @staticmethod
    async def _connector(
        uow: UnitOfWork, principal: Principal, station_id: int, evse_id: int, connector_id: int
    ) -> tuple[Station, Connector]:
        station = await uow.monitoring.station(principal.scope, station_id)
        if station is None:
            raise NotFound("station", station_id)
        connector = await uow.connectors.get(station_id, evse_id, connector_id)
        if connector is None:
            raise NotFound("connector", f"{station.ocpp_id}/{evse_id}/{connector_id}")
        return station, connector
