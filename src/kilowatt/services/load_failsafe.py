"""Load management at the stations: the failsafe default profile, and stations that refuse
profiles flagged rather than retried at every pass (domain/load_failsafe.py).

The failsafe goes to a station of a managed site when it boots, when it connects without
holding the site's current failsafe, and when the site's load settings change. Every answer
to a load management profile is read in the command's own unit of work (a command hook): an
acceptance clears the station's flag (and, for the failsafe, records it in force); a refusal
flags the station, records a decision the operator reads on the load panel, and leaves the
station out of the sharing until its retry is due (``LoadService`` asks ``blocked``). A change
of the flag makes the site's limits be worked out again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import structlog

from kilowatt.domain.charging_profiles import ProfilePurpose, RateUnit
from kilowatt.domain.command_params import ClearChargingProfile, SetChargingProfile
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.errors import DomainError
from kilowatt.domain.live import CommandFinished, StationBooted, StationOnlineChanged
from kilowatt.domain.load_failsafe import (
    FAILSAFE_PROFILE_ID,
    StationProfiles,
    failsafe_limit,
    failsafe_profile,
    is_failsafe,
    refusal,
)
from kilowatt.domain.loads import DecisionKind, LoadDecision, RuleState, SessionLoad, start_rule
from kilowatt.domain.operations import Operation
from kilowatt.domain.stations import OcppId, RegistrationStatus, key_of
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.bus import InProcessBus
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import (
    ChargingSession,
    Clock,
    EventPublisher,
    ManagedStation,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger(__name__)

REQUESTED_BY = "load management"

CLEAR_WAIT = 30.0


class LoadFailsafe(Service):
    """Installed by ``LoadService.install``; ``changed(ocpp_id)`` is the load service's way of
    working a station's site out again."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self.commands: CommandService | None = None
        self.changed: Callable[[str], Coroutine[Any, Any, None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._flag_moved: set[str] = set()
        """Stations whose flag went up or down in a command's unit of work: their site is
        worked out again once the command's outcome is committed."""

    def install(
        self,
        commands: CommandService,
        bus: InProcessBus,
        changed: Callable[[str], Coroutine[Any, Any, None]],
    ) -> None:
        self.commands = commands
        self.changed = changed
        commands.register(Hook(SetChargingProfile, complete=self._answered))
        # The node holding the socket does it, once.
        bus.subscribe(StationBooted, self._on_boot, local=True)
        bus.subscribe(StationOnlineChanged, self._on_online, local=True)
        bus.subscribe(CommandFinished, self._on_finished, local=True)

    # What the load service asks --------------------------------------------------------------

    @staticmethod
    async def refusing(uow: UnitOfWork, site_id: int) -> dict[str, StationProfiles]:
        """The site's stations flagged for refusing profiles, by OCPP identity."""
        found = await uow.station_profiles.of_site(site_id)
        return {ocpp_id: r for ocpp_id, r in found.items() if r.refusing}

    @staticmethod
    def left_alone(
        held: SessionLoad | None,
        session: ChargingSession,
        site_id: int,
        state: RuleState,
        now: datetime,
    ) -> SessionLoad:
        """The record of a session whose station refuses profiles: no limit in force (it is
        sent again once the station is tried again), no reason of the sharing."""
        if held is None:
            held = SessionLoad(
                transaction_id=session.transaction_id,
                site_id=site_id,
                rule=start_rule(state),
                phases=session.number_of_phases,
                updated_at=now,
            )
        held.limit_a = None
        held.reason = None
        return held

    async def station(self, principal: Principal, ocpp_id: str) -> StationProfiles | None:
        """What load management knows of a station's profiles (None: nothing yet)."""
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, ocpp_id)
            return await uow.station_profiles.get(key_of(station))

    # Sending the failsafe --------------------------------------------------------------------

    async def send(self, ocpp_id: str, *, always: bool = False, retry: bool = False) -> bool:
        """Send the station its site's failsafe: ``always``, or only when the one it holds is
        not the site's. ``retry``: it booted or reconnected, so a station flagged for
        refusing is tried once more now. True when a profile was sent."""
        now = self.clock.now()
        async with self.uow() as uow:
            station = await uow.station_profiles.managed(ocpp_id)
            if station is None:
                return False
            record = await uow.station_profiles.get(station.station_id)
            if retry and record is not None and record.blocks(now):
                record.retry_now(now)
                await uow.station_profiles.save(record)
                await uow.commit()
        limit = station.settings.failsafe_current_a
        if record is not None and record.blocks(now):
            return False
        if not always and record is not None and record.default_limit_a == limit:
            return False
        return await self._execute(
            station, SetChargingProfile(charging_profile=failsafe_profile(limit))
        )

    async def site_changed(self, site_id: int, enabled: bool) -> None:
        """The site's load settings changed: its connected stations get the new failsafe, the
        others when they next connect; with load management off, the failsafe is taken off
        the stations that hold one."""
        async with self.uow(readonly=True) as uow:
            stations = await uow.station_profiles.managed_at(site_id)
            held = await uow.station_profiles.of_site(site_id)
        if enabled:
            absent = [s for s in stations if not s.online and s.ocpp_id not in held]
            if absent:
                # Recorded without a failsafe: each gets it when it next connects.
                now = self.clock.now()
                async with self.uow() as uow:
                    for station in absent:
                        await uow.station_profiles.save(
                            StationProfiles(
                                station_id=station.station_id,
                                ocpp_id=station.ocpp_id,
                                updated_at=now,
                            )
                        )
                    await uow.commit()
            for station in stations:
                if station.online:
                    await self.send(station.ocpp_id)
            return
        for ocpp_id, record in held.items():
            if record.default_limit_a is not None:
                await self._take_off(ocpp_id, record)

    async def _take_off(self, ocpp_id: str, record: StationProfiles) -> None:
        assert self.commands is not None
        async with self.uow(readonly=True) as uow:
            station = await uow.stations.by_ocpp_id(ocpp_id)
        if station is None:
            return
        principal = Principal.system(station.organization_id, REQUESTED_BY)
        params = ClearChargingProfile(profile_id=FAILSAFE_PROFILE_ID)
        try:
            command = await self.commands.execute(
                principal, OcppId(ocpp_id), params, REQUESTED_BY, wait=CLEAR_WAIT
            )
        except DomainError as error:
            log.info("failsafe not taken off", station=ocpp_id, error=str(error))
            return
        if command.status is CommandStatus.ACCEPTED:
            async with self.uow() as uow:
                current = await uow.station_profiles.get(record.station_id)
                if current is not None:
                    current.default_limit_a = None
                    current.updated_at = self.clock.now()
                    await uow.station_profiles.save(current)
                    await uow.commit()

    async def _execute(self, station: ManagedStation, params: SetChargingProfile) -> bool:
        assert self.commands is not None, "the load service installs the failsafe"
        principal = Principal.system(station.organization_id, REQUESTED_BY)
        try:
            await self.commands.execute(
                principal, OcppId(station.ocpp_id), params, REQUESTED_BY, wait=0
            )
        except DomainError as error:
            log.info("failsafe not sent", station=station.ocpp_id, error=str(error))
            return False
        return True

    # The stations' answers -------------------------------------------------------------------

    async def _answered(
        self,
        uow: UnitOfWork,
        command: Command,
        params: SetChargingProfile,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        """Every SetChargingProfile's outcome, in its unit of work: load management's own are
        read for the station's flag."""
        if command.requested_by != REQUESTED_BY:
            return
        ocpp_id = str(command.station_ocpp_id)
        record = await uow.station_profiles.get(command.station_id) or StationProfiles(
            station_id=command.station_id, ocpp_id=ocpp_id, updated_at=now
        )
        profile = params.charging_profile
        failsafe = is_failsafe(profile)
        if outcome.status is CommandStatus.ACCEPTED:
            if record.refusing:
                self._flag_moved.add(ocpp_id)
            record.accepted(now, failsafe_limit(profile) if failsafe else None)
            await uow.station_profiles.save(record)
            return
        site_id = await uow.loads.site_of_station(ocpp_id)
        gone = False
        if profile.purpose is ProfilePurpose.TX and site_id is not None:
            running = await uow.loads.sessions(site_id)
            gone = not any(_is(s, ocpp_id, profile.transaction_id) for s in running)
        answer = refusal(outcome.status.value, outcome.response, outcome.error, session_gone=gone)
        if answer is None:
            return
        if failsafe:
            record.default_limit_a = None
        news = record.refused(answer, now)
        await uow.station_profiles.save(record)
        log.info("station refuses load profiles", station=ocpp_id, answer=answer)
        if not news or site_id is None:
            return
        self._flag_moved.add(ocpp_id)
        load = await uow.loads.get(site_id)
        if load is None:
            return
        period = profile.schedule.periods[0]
        amperes = profile.schedule.rate_unit is RateUnit.AMPERES
        await uow.loads.add_decision(
            LoadDecision(
                site_id=site_id,
                at=now,
                kind=DecisionKind.REFUSED,
                state=load.state,
                load_w=load.load_now(now)[0],
                transaction_id=_transaction(command, profile.transaction_id),
                station=ocpp_id,
                evse_id=params.evse_id,
                limit_a=period.limit if amperes else None,
            )
        )

    # Reacting to stations --------------------------------------------------------------------

    def _on_boot(self, event: StationBooted) -> None:
        if event.status is RegistrationStatus.ACCEPTED:
            self._spawn(self._came_back(event.station, booted=True))

    def _on_online(self, event: StationOnlineChanged) -> None:
        if event.online:
            self._spawn(self._came_back(event.station, booted=False))

    def _on_finished(self, event: CommandFinished) -> None:
        if event.operation == Operation.SET_CHARGING_PROFILE.value and (
            event.station in self._flag_moved
        ):
            self._flag_moved.discard(event.station)
            if self.changed is not None:
                self._spawn(self.changed(event.station))

    async def _came_back(self, ocpp_id: str, *, booted: bool) -> None:
        """A boot may have lost what the station held: the failsafe goes again. A reconnect
        gets it when what it holds is not the site's (a station load management has never
        sent anything gets it at the boot that follows its first connection). Either way a
        station flagged for refusing is tried once more, its sessions' limits too."""
        async with self.uow(readonly=True) as uow:
            station = await uow.station_profiles.managed(ocpp_id)
            record = None if station is None else await uow.station_profiles.get(station.station_id)
        if station is None or (record is None and not booted):
            return  # a station new to load management gets it when it boots, right after
        await self.send(ocpp_id, always=booted, retry=True)
        if record is not None and record.refusing and self.changed is not None:
            await self.changed(ocpp_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _is(session: ChargingSession, ocpp_id: str, transaction_id: str | None) -> bool:
    """Whether ``transaction_id`` (as the station knows it) is this running session."""
    if session.station != ocpp_id or transaction_id is None:
        return False
    if session.protocol_version == "1.6":
        return str(session.transaction_id) == transaction_id
    return session.ocpp_transaction_id == transaction_id


def _transaction(command: Command, transaction_id: str | None) -> int | None:
    """Kilowatt's id of a 1.6 session's transaction (a 2.0.1 station's ids are its own)."""
    if transaction_id is None or not transaction_id.isdigit():
        return None
    return int(transaction_id) if "csChargingProfiles" in (command.request or {}) else None
