"""A site's meter over OCPP, and the alert when a site's meter goes silent.

**The station as the site meter.** A site's load settings may name one of its stations
(``meter_station``); the Power.Active.Import its main meter (EVSE 0) reports become the site's
load readings (source "ocpp"), recorded as API and MQTT readings are (services/loads.py).
Meter values are the hot path: a report costs nothing here unless it is about EVSE 0 and says
the active power, and then only a look-up in an in-memory map (meter station → site). The map
is read from the database at most every ``MAP_TTL`` seconds (so that a change made on another
node is seen within that) and changed at once when a site's settings change on this node.
Only the node that holds the station's socket records its readings (a local subscription).

**The silent meter.** A silent meter sends nothing, so a periodic job (jobs/load_meters.py)
looks at the enabled sites whose meter has been heard: one whose last reading is now older
than its *reading fresh for* is marked silent, a ``silent`` decision is recorded and
``site.meter_silent`` published, once per silence (the mark is set only where none is, so two
nodes cannot raise it twice). The next reading clears it (``heard`` in the reading's unit of
work, or the job if a reading slipped past): a ``back`` decision and ``site.meter_back``.

**Time-of-use caps** (domain/load_caps.py) change with the clock, not with a message: the same
job makes a pass at a site whose cap in force is not the one it saw last.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.live import MeterValuesReported
from kilowatt.domain.live_loads import SiteMeterBack, SiteMeterSilent
from kilowatt.domain.load_caps import cap_in_force
from kilowatt.domain.load_meters import MAIN_METER_EVSE, goes_silent, heard_again, site_meter_w
from kilowatt.domain.loads import DecisionKind, LoadDecision, SiteLoad
from kilowatt.domain.sites import Site
from kilowatt.domain.users import Scope
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:  # loads.py calls ``heard`` and ``check_meter_station`` below
    from kilowatt.services.bus import InProcessBus
    from kilowatt.services.loads import LoadService

log = structlog.get_logger(__name__)

MAP_TTL = 30.0
"""Seconds the meter stations' map is believed before it is read again (on the next main
meter power reading)."""


class LoadMeterService(Service):
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self.loads: LoadService | None = None
        self._meters: dict[str, int] = {}
        self._read_at: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._caps: dict[int, int | None] = {}
        """The time-of-use cap in force at each capped site when the job last looked."""

    def install(self, loads: LoadService, bus: InProcessBus) -> None:
        """Record readings through ``loads``; follow the main meters this node hears."""
        self.loads = loads
        loads.meter_changed = self.changed
        bus.subscribe(MeterValuesReported, self.on_meter, local=True)

    # The station as the site meter ------------------------------------------------------

    def changed(self, site_id: int, station: str) -> None:
        """A site's settings changed on this node: its meter is ``station`` ("" for none)."""
        for name, site in list(self._meters.items()):
            if site == site_id:
                del self._meters[name]
        if station:
            self._meters[station] = site_id

    def on_meter(self, event: MeterValuesReported) -> None:
        if event.evse_id != MAIN_METER_EVSE:
            return
        load_w = site_meter_w(event.values)
        if load_w is None:
            return
        fresh = self._read_at is not None and time.monotonic() - self._read_at < MAP_TTL
        if fresh and event.station not in self._meters:
            return
        if not fresh:
            self._read_at = time.monotonic()  # one reading of the map at a time, not a burst
        self._spawn(self._reading(event.station, load_w, fresh=fresh))

    async def _reading(self, station: str, load_w: int, *, fresh: bool) -> None:
        try:
            await self._take(station, load_w, fresh=fresh)
        except Exception:
            log.exception("site meter reading failed", station=station)

    async def _take(self, station: str, load_w: int, *, fresh: bool) -> None:
        if not fresh:
            try:
                async with self.uow(readonly=True) as uow:
                    self._meters = await uow.loads.meter_stations()
            except Exception:
                self._read_at = None  # read it again at the next reading
                raise
        site_id = self._meters.get(station)
        if site_id is None:
            return
        assert self.loads is not None, "bootstrap installs the load service"
        async with self.uow(readonly=True) as uow:
            load = await uow.loads.get(site_id)
            site = (
                None
                if load is None
                else await uow.sites.get(Scope(load.organization_id, None), site_id)
            )
        if site is None:
            return
        await self.loads.record(site, load_w, self.clock.now(), "ocpp")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the readings under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # The silent meter ------------------------------------------------------------------------

    async def watch(self) -> int:
        """Raise the alert for each site whose meter went silent, clear it for each heard
        again; and work a site's limits out again when the time-of-use cap in force changed
        (a window opened or closed: nothing else would start a pass then). How many alerts
        were raised or cleared and caps applied (the job's count)."""
        now = self.clock.now()
        events: list[SiteMeterSilent | SiteMeterBack] = []
        kicks: list[int] = []
        async with self.uow() as uow:
            for load in await uow.loads.watched():
                if goes_silent(load, now):
                    if await uow.loads.set_silent(load.site_id, now):
                        events.append(await _silent(uow, load, now))
                else:
                    back = await heard(uow, load, now)
                    if back is not None:
                        events.append(back)
                if await self._cap_moved(uow, load, now):
                    kicks.append(load.site_id)
            await uow.commit()
        for event in events:
            log.info("site meter", topic=event.topic, site=event.site_id)
            self.bus.publish(event)
        assert self.loads is not None, "bootstrap installs the load service"
        for site_id in kicks:
            self.loads.kick(site_id)
        return len(events) + len(kicks)

    async def _cap_moved(self, uow: UnitOfWork, load: SiteLoad, now: datetime) -> bool:
        """Whether the cap in force at the site is not the one this node saw last."""
        if not load.settings.caps and load.site_id not in self._caps:
            return False
        site = await uow.sites.get(Scope(load.organization_id, None), load.site_id)
        if site is None:
            return False
        cap = cap_in_force(load.settings.caps, now, ZoneInfo(site.timezone))
        if load.site_id in self._caps and self._caps[load.site_id] == cap:
            return False
        self._caps[load.site_id] = cap
        return True


async def _silent(uow: UnitOfWork, load: SiteLoad, now: datetime) -> SiteMeterSilent:
    fallback = load.settings.fallback_load_w
    await uow.loads.add_decision(
        LoadDecision(
            site_id=load.site_id,
            at=now,
            kind=DecisionKind.SILENT,
            state=load.state,
            load_w=fallback,
        )
    )
    assert load.load_at is not None
    return SiteMeterSilent(
        organization_id=load.organization_id,
        site_id=load.site_id,
        last_reading_at=load.load_at,
        fallback_load_w=fallback,
    )


async def heard(uow: UnitOfWork, load: SiteLoad, now: datetime) -> SiteMeterBack | None:
    """In the unit of work that recorded a fresh reading (``load`` as it now stands): if the
    site's meter was silent, clear the alert and record a ``back`` decision; the event to
    publish once committed, None when it was not silent (no query then)."""
    since = load.meter_silent_since
    if since is None or load.load_w is None or not heard_again(load, now):
        return None
    if not await uow.loads.set_silent(load.site_id, None):
        return None
    await uow.loads.add_decision(
        LoadDecision(
            site_id=load.site_id,
            at=now,
            kind=DecisionKind.BACK,
            state=load.state,
            load_w=load.load_w,
        )
    )
    return SiteMeterBack(
        organization_id=load.organization_id,
        site_id=load.site_id,
        load_w=load.load_w,
        source=load.load_source,
        silent_since=since,
    )


async def check_meter_station(uow: UnitOfWork, site: Site, station: str) -> None:
    """A site's meter station must be one of the site's stations."""
    found = await uow.stations.by_ocpp_id(station)
    if found is None or found.site_id != site.id or found.organization_id != site.organization_id:
        raise InvalidInput("meter_station", "not a station of this site")
