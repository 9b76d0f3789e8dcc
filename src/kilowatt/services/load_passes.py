"""One load-management pass over a site, and the limits it sends (services/loads.py keeps the
settings, readings and the events that start passes).

A pass is one unit of work: the rule state, each session's rule and limit, and the decisions
are recorded; then the limits that changed meaningfully (domain/load_allocation.py
``changes``, within the site's electrical tree: services/electrical_tree.py ``plan``) are sent
to the stations as transaction charging profiles through the command service, and the site's
state is published. Passes over one site never overlap; a kick during a pass makes one more
pass after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import structlog

from kilowatt.domain.command_params import SetChargingProfile
from kilowatt.domain.errors import DomainError
from kilowatt.domain.live import SessionLimited, SiteLoadChanged
from kilowatt.domain.load_allocation import Allocation, Session
from kilowatt.domain.load_caps import cap_in_force, capacity_in_force
from kilowatt.domain.load_failsafe import believed_draw
from kilowatt.domain.load_profiles import max_current_a, tx_profile
from kilowatt.domain.loads import (
    DecisionKind,
    LoadDecision,
    LoadSettings,
    SessionLoad,
    base_load_w,
    budget_w,
    carry_rule,
    rule_state,
    share_w,
    start_rule,
)
from kilowatt.domain.stations import OcppId
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.commands import CommandService
from kilowatt.services.electrical_tree import plan
from kilowatt.services.load_failsafe import REQUESTED_BY, LoadFailsafe
from kilowatt.services.ports import ChargingSession, Clock, EventPublisher, UnitOfWorkFactory

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Send:
    session: ChargingSession
    allocation: Allocation
    limit_a: float
    voltage: int


class LoadPasses:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, failsafe: LoadFailsafe
    ) -> None:
        self.uow, self.clock, self.bus, self.failsafe = uow, clock, bus, failsafe
        self.commands: CommandService | None = None
        self._passes: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._locks: dict[int, asyncio.Lock] = {}

    def kick(self, site_id: int) -> None:
        """Work the site's limits out again soon (once more if a pass is under way)."""
        running = self._passes.get(site_id)
        if running is not None and not running.done():
            self._again.add(site_id)
            return
        self._passes[site_id] = asyncio.get_running_loop().create_task(self._passes_of(site_id))

    async def _passes_of(self, site_id: int) -> None:
        while True:
            self._again.discard(site_id)
            try:
                await self.rebalance(site_id)
            except Exception:
                log.exception("load management pass failed", site=site_id)
            if site_id not in self._again:
                return

    async def close(self) -> None:
        for task in self._passes.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def rebalance(self, site_id: int) -> None:
        """Work the site's limits out and send those that changed."""
        lock = self._locks.setdefault(site_id, asyncio.Lock())
        async with lock:
            sends, event = await self._pass(site_id)
            for send in sends:
                await self._send(send)
            if event is not None:
                self.bus.publish(event)

    async def _pass(self, site_id: int) -> tuple[list[_Send], SiteLoadChanged | None]:
        now = self.clock.now()
        async with self.uow() as uow:
            load = await uow.loads.get(site_id)
            if load is None or not load.settings.enabled:
                return [], None
            site = await uow.sites.get(Scope(load.organization_id, None), site_id)
            if site is None or not site.grid_capacity_w:
                return [], None
            capacity, settings = site.grid_capacity_w, load.settings
            # A time-of-use cap lowers what is shared; the lines stay on the capacity.
            cap = cap_in_force(settings.caps, now, ZoneInfo(site.timezone))
            limit = capacity_in_force(capacity, cap)
            sessions = await uow.loads.sessions(site_id)
            known = await uow.loads.session_loads(site_id)
            await uow.loads.forget_sessions(site_id, {s.transaction_id for s in sessions})
            load_w, measured = load.load_now(now)
            state = rule_state(load.state, load_w, capacity, settings)
            if state is not load.state:
                await uow.loads.add_decision(
                    LoadDecision(
                        site_id=site_id, at=now, kind=DecisionKind.RULE, state=state, load_w=load_w
                    )
                )
                log.info("site load rule", site=site_id, state=state.value, load_w=load_w)
            load.state = state
            records: dict[int, SessionLoad] = {}
            demands: list[Session] = []
            refusing = await self.failsafe.refusing(uow, site_id)
            for session in sessions:
                held = known.get(session.transaction_id)
                refused = refusing.get(session.station)
                if refused is not None and refused.blocks(now):
                    # Its draw stays in the base load; it is tried again when its retry is due.
                    held = self.failsafe.left_alone(held, session, site_id, state, now)
                    await uow.loads.save_session_load(held)
                    continue
                if held is None:
                    held = SessionLoad(
                        transaction_id=session.transaction_id,
                        site_id=site_id,
                        rule=start_rule(state),
                        phases=session.number_of_phases,
                        updated_at=now,
                    )
                else:
                    held.rule = carry_rule(held.rule, state)
                phases = held.phases or session.number_of_phases or 3
                records[session.transaction_id] = held
                demands.append(
                    Session(
                        key=session.transaction_id,
                        phases=phases,
                        min_a=settings.min_current_a,
                        max_a=max_current_a(session.max_power_w, phases, settings),
                        priority=session.priority,
                        arrival=session.start_time,
                        rule=held.rule,
                        drawn_a=believed_draw(
                            held.drawn_a, held.limit_a, settings.failsafe_current_a
                        ),
                        limit_a=held.limit_a,
                    )
                )
            drawn = sum(drawn_w(records[s.key], settings) for s in demands)
            budget = budget_w(limit, base_load_w(load_w, drawn))
            base = base_load_w(load_w, drawn)
            target, send = plan(  # within the site's electrical tree, when it has one
                await uow.electrical_tree.get(site_id),
                sessions,
                demands,
                {k: r.limit_a for k, r in records.items()},
                capacity_w=limit,  # the capacity in force: a time-of-use cap lowers it
                base_w=base,
                budget_w=budget,
                share_w=share_w(limit, base, settings),
                settings=settings,
            )
            sends: list[_Send] = []
            by_id = {s.transaction_id: s for s in sessions}
            for key, held in records.items():
                allocation = target[key]
                held.reason = allocation.reason
                held.phases = allocation.phases
                if key in send:
                    held.limit_a = send[key]
                    held.updated_at = now
                    session = by_id[key]
                    sends.append(_Send(session, allocation, send[key], settings.voltage))
                    await uow.loads.add_decision(
                        LoadDecision(
                            site_id=site_id,
                            at=now,
                            kind=DecisionKind.LIMIT,
                            state=state,
                            load_w=load_w,
                            transaction_id=key,
                            station=session.station,
                            evse_id=session.evse_id,
                            limit_a=send[key],
                            reason=allocation.reason,
                        )
                    )
                await uow.loads.save_session_load(held)
            await uow.loads.set_state(site_id, state, now)
            await uow.commit()
        event = SiteLoadChanged(
            organization_id=load.organization_id,
            site_id=site_id,
            state=state,
            load_w=load_w,
            measured=measured,
            capacity_w=capacity,
            budget_w=budget,
        )
        return sends, event

    async def _send(self, send: _Send) -> None:
        assert self.commands is not None, "bootstrap installs the command service"
        session = send.session
        profile = tx_profile(
            session.evse_id,
            str(session.transaction_id)
            if session.protocol_version == "1.6"
            else session.ocpp_transaction_id,
            dc=session.current_type == "DC",
            limit_a=send.limit_a,
            phases=send.allocation.phases,
            voltage=send.voltage,
        )
        params = SetChargingProfile(charging_profile=profile, evse_id=session.evse_id)
        principal = Principal.system(session.organization_id, REQUESTED_BY)
        try:
            await self.commands.execute(
                principal, OcppId(session.station), params, REQUESTED_BY, wait=0
            )
        except DomainError as error:
            # Offline (or gone): forget what was sent, so that the next pass sends it again.
            log.info("load limit not sent", station=session.station, error=str(error))
            async with self.uow() as uow:
                held = await uow.loads.session_load(session.transaction_id)
                if held is not None:
                    held.limit_a = None
                    await uow.loads.save_session_load(held)
                    await uow.commit()
            return
        self.bus.publish(
            SessionLimited(
                station=session.station,
                transaction_id=session.transaction_id,
                evse_id=session.evse_id,
                limit_a=send.limit_a,
                reason=send.allocation.reason,
            )
        )


def drawn_w(held: SessionLoad | None, settings: LoadSettings) -> int:
    if held is None or held.drawn_a is None:
        return 0
    return round(held.drawn_a * (held.phases or 3) * settings.voltage)
