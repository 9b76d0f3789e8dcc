"""Site load management: settings, load readings, and the sessions' limits kept up to date.

A site's limits are worked out again (``rebalance``) when a load reading arrives (the API, an
MQTT meter), a session begins or ends, or a car's draw changes by an ampere or more (its meter
values). Each pass is one unit of work: the rule state, each session's rule and limit, and the
decisions are recorded; then the limits that changed meaningfully (domain/load_allocation.py
``changes``) are sent to the stations as transaction charging profiles through the command
service, and the site's state is published. Passes over one site never overlap; events that
arrive during a pass make one more pass after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.live import (
    MeterValuesReported,
    SessionLimited,
    SiteLoadChanged,
    TransactionEnded,
    TransactionStarted,
)
from kilowatt.domain.load_allocation import MIN_STEP_A
from kilowatt.domain.load_caps import cap_in_force, capacity_in_force
from kilowatt.domain.load_failsafe import StationProfiles
from kilowatt.domain.load_readings import drawn_current_a, parse_reading
from kilowatt.domain.loads import (
    LoadDecision,
    LoadReading,
    LoadSettings,
    SessionLoad,
    SiteLoad,
    base_load_w,
    budget_w,
)
from kilowatt.domain.sites import Site
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.bus import InProcessBus
from kilowatt.services.commands import CommandService
from kilowatt.services.load_failsafe import LoadFailsafe
from kilowatt.services.load_meters import check_meter_station, heard
from kilowatt.services.load_passes import LoadPasses, drawn_w
from kilowatt.services.ports import (
    ChargingSession,
    Clock,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger(__name__)

RECENT = 20
MAX_UNMANAGED = 100_000
SITE_MEMORY_SECONDS = 30.0
"""How long a station's managed site (or that it has none) is trusted without asking again."""


@dataclass(frozen=True, slots=True)
class LoadView:
    """A site's load as the API and the dashboard show it."""

    site: Site
    load: SiteLoad
    load_w: int
    measured: bool
    budget_w: int
    sessions: list[tuple[ChargingSession, SessionLoad | None]]
    readings: list[LoadReading]
    decisions: list[LoadDecision]
    cap_w: int | None = None
    """The time-of-use cap in force (W), if any."""
    refusing: dict[str, StationProfiles] = field(default_factory=dict)
    """The site's stations that refuse profiles, by OCPP identity."""


class LoadService(Service):
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self._tasks: set[asyncio.Task[None]] = set()
        self.failsafe = LoadFailsafe(uow, clock, bus)
        self.passes = LoadPasses(uow, clock, bus, self.failsafe)
        self._unmanaged: set[int] = set()
        """Transactions found without a load-managed session: their meter values are not
        looked up again (no query per reading on the hot path) until load management looks
        at a site again (``SiteLoadChanged``) or limits a session, either of which may have
        made one managed."""
        self._sites: dict[str, tuple[int | None, float]] = {}
        """Per station (its OCPP id): its site if that site's load is managed, else None, and
        when that was read. A session's start and stop ask it; kept ``SITE_MEMORY_SECONDS``
        (another node's change reaches this one within that), forgotten at once when this
        node writes a station's site or a site's load settings (persistence/change_watch.py),
        and with ``_unmanaged``."""
        self.meter_changed: Callable[[int, str], None] = lambda site_id, station: None
        """Told a site's meter station when its settings change (services/load_meters.py)."""

    def install(self, commands: CommandService, bus: InProcessBus) -> None:
        """Send through ``commands``; react to the bus's session and meter events."""
        self.passes.commands = commands
        bus.subscribe(TransactionStarted, self._on_session)
        bus.subscribe(TransactionEnded, self._on_session)
        bus.subscribe(MeterValuesReported, self._on_meter)
        bus.subscribe(SiteLoadChanged, self._forget_unmanaged)
        bus.subscribe(SessionLimited, self._forget_unmanaged)
        self.failsafe.install(commands, bus, self._station_changed)

    # Settings -----------------------------------------------------------------------------

    async def view(self, principal: Principal, site_id: int) -> LoadView:
        now = self.clock.now()
        async with self.uow(readonly=True) as uow:
            site = await self._site(uow, principal.scope, site_id)
            load = await uow.loads.get(site_id) or self._default(site)
            sessions = await uow.loads.sessions(site_id)
            limits = await uow.loads.session_loads(site_id)
            readings = await uow.loads.readings(site_id, RECENT)
            decisions = await uow.loads.decisions(site_id, RECENT)
            refusing = await self.failsafe.refusing(uow, site_id)
        load_w, measured = load.load_now(now)
        blocked = {k for k, r in refusing.items() if r.blocks(now)}  # their draw is base load
        drawn = sum(
            drawn_w(limits.get(s.transaction_id), load.settings)
            for s in sessions
            if s.station not in blocked
        )
        cap = cap_in_force(load.settings.caps, now, ZoneInfo(site.timezone))
        limit = capacity_in_force(site.grid_capacity_w or 0, cap)
        budget = budget_w(limit, base_load_w(load_w, drawn))
        return LoadView(
            site=site,
            load=load,
            load_w=load_w,
            measured=measured,
            budget_w=budget,
            sessions=[(s, limits.get(s.transaction_id)) for s in sessions],
            readings=readings,
            decisions=decisions,
            cap_w=cap,
            refusing=refusing,
        )

    async def configure(
        self,
        principal: Principal,
        site_id: int,
        settings: LoadSettings,
        capacity_w: int | None,
    ) -> SiteLoad:
        """Change a site's load settings and its transformer's capacity (W)."""
        settings.check()
        if capacity_w is not None and capacity_w <= 0:
            raise InvalidInput("capacity_w", "must be positive")
        if settings.enabled and capacity_w is None:
            raise InvalidInput("capacity_w", "load management needs the transformer's capacity")
        now = self.clock.now()
        async with self.uow() as uow:
            site = await self._site(uow, principal.scope, site_id)
            if settings.meter_topic:
                other = await uow.loads.by_topic(settings.meter_topic)
                if other is not None and other.site_id != site_id:
                    raise InvalidInput("meter_topic", "another site's meter publishes there")
            if settings.meter_station:
                await check_meter_station(uow, site, settings.meter_station)
            load = await uow.loads.get(site_id) or self._default(site)
            load.settings = settings
            load.updated_at = now
            site.grid_capacity_w = capacity_w
            site.updated_at = now
            await uow.loads.save(load)
            await record(
                uow,
                principal,
                "site.load_settings",
                "site",
                site_id,
                {"capacity_w": capacity_w, **_settings_fields(settings)},
                at=now,
            )
            await uow.commit()
        self.meter_changed(site_id, settings.meter_station)
        await self.rebalance(site_id)
        self._spawn(self.failsafe.site_changed(site_id, settings.enabled))
        return load

    # Readings -----------------------------------------------------------------------------

    async def report(
        self,
        principal: Principal,
        site_id: int,
        load_w: int,
        measured_at: datetime | None = None,
        source: str = "api",
    ) -> None:
        """A reading of the site's transformer load (a building's energy system, the API)."""
        if load_w < 0:
            raise InvalidInput("load_w", "0 or more")
        async with self.uow(readonly=True) as uow:
            site = await self._site(uow, principal.scope, site_id)
        await self._record(site, load_w, measured_at or self.clock.now(), source)

    async def report_topic(self, topic: str, payload: str) -> int | None:
        """A reading an MQTT meter published: the site it is about, None when no site's meter
        publishes on the topic. A payload that cannot be read raises InvalidInput."""
        watts = parse_reading(payload)
        async with self.uow(readonly=True) as uow:
            load = await uow.loads.by_topic(topic)
            site = (
                None
                if load is None
                else await uow.sites.get(Scope(load.organization_id, None), load.site_id)
            )
        if site is None:
            return None
        await self._record(site, watts, self.clock.now(), "mqtt")
        return site.id

    async def record(self, site: Site, load_w: int, at: datetime, source: str) -> None:
        """A reading of the site's load from a meter this node heard (an OCPP site meter)."""
        await self._record(site, load_w, at, source)

    async def _record(self, site: Site, load_w: int, at: datetime, source: str) -> None:
        assert site.id is not None
        back = None
        async with self.uow() as uow:
            load = await uow.loads.get(site.id)
            if load is None:
                load = self._default(site)
                await uow.loads.save(load)
            await uow.loads.add_reading(LoadReading(site.id, at, load_w, source))
            await uow.loads.set_load(site.id, load_w, at, source)
            if load.meter_silent_since is not None:  # the alert is cleared (load_meters.py)
                load = await uow.loads.get(site.id) or load
                back = await heard(uow, load, self.clock.now())
            await uow.commit()
        if back is not None:
            self.bus.publish(back)
        await self.rebalance(site.id)

    # Reacting to sessions and meters --------------------------------------------------------

    def _on_session(self, event: TransactionStarted | TransactionEnded) -> None:
        if isinstance(event, TransactionEnded):
            self._unmanaged.discard(event.transaction_id)
        self._spawn(self._station_changed(event.station))

    def _on_meter(self, event: MeterValuesReported) -> None:
        if event.transaction_id in self._unmanaged:
            return
        if event.transaction_id is not None and event.values:
            self._spawn(self._draw(event.station, event.transaction_id, event.values))

    def _forget_unmanaged(self, _: SiteLoadChanged | SessionLimited) -> None:
        self._unmanaged.clear()
        self._sites.clear()

    def forget_sites(self) -> None:
        """A station's site or a site's load settings were written: ask again."""
        self._sites.clear()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _station_changed(self, station: str) -> None:
        site_id = await self._managed_site(station)
        if site_id is not None:
            self.kick(site_id)

    async def _managed_site(self, station: str) -> int | None:
        now = time.monotonic()
        known = self._sites.get(station)
        if known is not None and now - known[1] < SITE_MEMORY_SECONDS:
            return known[0]
        async with self.uow(readonly=True) as uow:
            site_id = await uow.loads.site_of_station(station)
        if len(self._sites) >= MAX_UNMANAGED:
            self._sites.clear()
        self._sites[station] = (site_id, now)
        return site_id

    async def _draw(self, station: str, transaction_id: int, values: Any) -> None:
        # Read-only first: meter values are the hot path, and most move nothing here.
        async with self.uow(readonly=True) as uow:
            session = await uow.loads.session_load(transaction_id)
            if session is None:
                if len(self._unmanaged) >= MAX_UNMANAGED:
                    self._unmanaged.clear()
                self._unmanaged.add(transaction_id)
                return
            load = await uow.loads.get(session.site_id)
        if load is None or not load.settings.enabled:
            return
        drawn = drawn_current_a(values, session.phases or 3, load.settings.voltage)
        if drawn is None:
            return
        amps, phases = drawn
        if session.drawn_a is not None and abs(amps - session.drawn_a) < MIN_STEP_A:
            return
        async with self.uow() as uow:
            current = await uow.loads.session_load(transaction_id)
            if current is None:
                return
            current.drawn_a, current.phases = amps, phases
            current.updated_at = self.clock.now()
            await uow.loads.save_session_load(current)
            await uow.commit()
        self.kick(session.site_id)

    def kick(self, site_id: int) -> None:
        """Work the site's limits out again soon (once more if a pass is under way)."""
        self.passes.kick(site_id)

    async def rebalance(self, site_id: int) -> None:
        """Work the site's limits out and send those that changed (services/load_passes.py)."""
        await self.passes.rebalance(site_id)

    async def close(self) -> None:
        await self.failsafe.close()
        await self.passes.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # Helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _site(uow: UnitOfWork, scope: Scope, site_id: int) -> Site:
        site = await uow.sites.get(scope, site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site

    def _default(self, site: Site) -> SiteLoad:
        assert site.id is not None
        return SiteLoad(
            site_id=site.id,
            organization_id=site.organization_id,
            settings=LoadSettings(enabled=False),
            updated_at=self.clock.now(),
        )


def _settings_fields(settings: LoadSettings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in LoadSettings.__dataclass_fields__}
