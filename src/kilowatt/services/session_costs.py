"""Live cost: each running session on this node carries its cost so far, in memory.

At TransactionStarted (this node's events only) the session's tariff versions, its site's time
zone and a prepaid wallet's balance are loaded once; each MeterValuesReported then adds one
reading to the session's ``SessionPricer``: no query per reading. A changed cost is published
as ``session.cost``; a prepaid session whose cost reaches its wallet's balance is stopped
remotely, once. TransactionEnded forgets the session (the CDR service bills it from the
stored readings).

After a restart a session still running has nothing in memory: its next meter value rebuilds
it from its stored readings (one query then, not per reading).

Other services follow the sessions through ``watch`` (charge orders stop at their limit):
a watcher is called, in the bus's call, after each reading is added.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import structlog

from kilowatt.domain.cdrs import Place, tariff_for
from kilowatt.domain.command_params import RemoteStop
from kilowatt.domain.errors import NotFound
from kilowatt.domain.live import MeterValuesReported, TransactionEnded, TransactionStarted
from kilowatt.domain.live_money import SessionCostUpdated
from kilowatt.domain.metering import register_readings
from kilowatt.domain.money import money_text
from kilowatt.domain.pricing import Reading, SessionPricer, timeline
from kilowatt.domain.session_costs import CostSoFar, RunningCost, enabled
from kilowatt.domain.stations import OcppId
from kilowatt.domain.transactions import Transaction
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.commands import CommandService
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

PREPAID_ACTOR = "prepaid credit"
REMEMBER_ENDED = 4096
"""Sessions recently ended, so that a late meter value does not rebuild them."""

Watcher = Callable[[RunningCost], None]


@dataclass(eq=False)
class _Loading:
    """A session whose pricing is being loaded: readings wait here meanwhile."""

    readings: list[Reading] = field(default_factory=list)


class SessionCostService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        remote: CommandService | None = None,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.remote = remote
        self._running: dict[int, RunningCost] = {}
        self._loading: dict[int, _Loading] = {}
        self._ended: OrderedDict[int, RunningCost | None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchers: list[Watcher] = []

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher`` with a session's cost after each of its readings."""
        self._watchers.append(watcher)

    # Bus subscribers (this node's events) -------------------------------------------------

    def on_started(self, event: TransactionStarted) -> None:
        tx_id = event.transaction_id
        if tx_id in self._running or tx_id in self._loading:
            return
        self._loading[tx_id] = _Loading()
        self._spawn(self._load(tx_id, rebuild=False), f"cost-{tx_id}")

    def on_meter(self, event: MeterValuesReported) -> None:
        tx_id = event.transaction_id
        if tx_id is None or event.energy_wh is None:
            return
        reading = Reading(event.measured_at or self.clock.now(), event.energy_wh)
        running = self._running.get(tx_id)
        if running is not None:
            self._add(running, reading)
            return
        loading = self._loading.get(tx_id)
        if loading is not None:
            loading.readings.append(reading)
            return
        if tx_id in self._ended:
            ended = self._ended[tx_id]
            if ended is not None:
                # A 2.0.1 Ended event's readings come after the end: they close its total.
                ended.add(reading)
            return
        # Running since before a restart: rebuilt from its stored readings, once.
        self._loading[tx_id] = _Loading([reading])
        self._spawn(self._load(tx_id, rebuild=True), f"cost-{tx_id}")

    def on_ended(self, event: TransactionEnded) -> None:
        tx_id = event.transaction_id
        running = self._running.pop(tx_id, None)
        self._loading.pop(tx_id, None)
        self._ended[tx_id] = running
        while len(self._ended) > REMEMBER_ENDED:
            self._ended.popitem(last=False)

    # The work -----------------------------------------------------------------------------

    def _add(self, running: RunningCost, reading: Reading) -> None:
        running.add(reading)
        if running.changed():
            self._publish(running)
        if running.credit_used_up():
            self._spawn(self._stop(running), f"prepaid-stop-{running.transaction_id}")
        for watcher in self._watchers:
            try:
                watcher(running)
            except Exception:
                log.exception("session cost watcher failed", transaction=running.transaction_id)

    def _publish(self, running: RunningCost) -> None:
        so_far = running.so_far()
        if so_far.currency is None or so_far.total_incl_vat is None:
            return
        self.bus.publish(
            SessionCostUpdated(
                running.station,
                transaction_id=running.transaction_id,
                evse_id=running.evse_id,
                currency=so_far.currency,
                cost=money_text(so_far.total_incl_vat, so_far.currency),
                energy_wh=so_far.energy_wh,
            )
        )

    async def _load(self, transaction_id: int, *, rebuild: bool) -> None:
        try:
            running = await self._running_cost(transaction_id, rebuild=rebuild)
        except Exception:
            log.exception("live cost could not be loaded", transaction=transaction_id)
            running = None
        waiting = self._loading.pop(transaction_id, None)
        if running is None or waiting is None:
            # Ended meanwhile, or not a running session: nothing to follow.
            return
        self._running[transaction_id] = running
        for reading in sorted(waiting.readings, key=lambda r: r.at):
            self._add(running, reading)

    async def _running_cost(self, transaction_id: int, *, rebuild: bool) -> RunningCost | None:
        async with self.uow(readonly=True) as uow:
            found = await uow.transactions.by_ids({transaction_id})
            if not found or not found[0].is_open:
                return None
            tx = found[0]
            running = await self.cost_of(uow, tx)
            if running is not None and rebuild:
                for reading in await _stored_readings(uow, tx):
                    running.add(reading)
                running.changed()
        return running

    async def cost_of(self, uow: UnitOfWork, tx: Transaction) -> RunningCost | None:
        """A running session's cost, at its start: its tariff, zone and prepaid balance."""
        assert tx.id is not None
        context = await uow.cdrs.context(tx.id)
        if context is None:
            return None
        place = Place(
            context.organization_id,
            context.site_id,
            context.station_id,
            tx.evse_id,
            () if context.group_id is None else (context.group_id,),
        )
        assignment = tariff_for(await uow.tariffs.assignments(context.organization_id), place)
        pricer = None
        tariff_id = None
        balance = None
        versions = None
        if assignment is not None:
            tariff_id = assignment.tariff_id
            versions = (await uow.tariffs.versions([tariff_id])).get(tariff_id)
            if versions:
                pricer = SessionPricer(versions, context.timezone, tx.start_time)
        texts: dict[str, str] = {}
        if versions:
            texts = dict(versions[-1].texts)
        if pricer is not None and context.wallet_id is not None:
            wallet = await uow.wallets.get_by_id(context.wallet_id)
            if wallet is not None and wallet.currency == pricer.currency:
                balance = wallet.balance
        station = await uow.stations.get_by_id(tx.station_id)
        shows_cost = shows_tariff = False
        if station is not None and station.protocol_version == "2.0.1" and pricer is not None:
            variables = [
                (v.component, v.variable, v.variable_instance, v.value)
                for v in await uow.device_model.for_station(tx.station_id)
                if v.attribute_type == "Actual"
            ]
            shows_cost, shows_tariff = enabled(variables, "Cost"), enabled(variables, "Tariff")
        running = RunningCost(
            transaction_id=tx.id,
            organization_id=context.organization_id,
            station=station.ocpp_id if station is not None else "",
            evse_id=tx.evse_id,
            started=tx.start_time,
            pricer=pricer,
            tariff_id=tariff_id,
            balance=balance,
            shows_cost=shows_cost,
            tariff_text=texts if shows_tariff else {},
        )
        running.add(Reading(tx.start_time, 0))
        return running

    async def _stop(self, running: RunningCost) -> None:
        """The prepaid credit is used up: stop the session at the station (once)."""
        if self.remote is None or not running.station:
            return
        log.info(
            "prepaid credit used up, stopping the session",
            transaction=running.transaction_id,
            station=running.station,
        )
        try:
            await self.remote.execute(
                Principal.system(running.organization_id, PREPAID_ACTOR),
                OcppId(running.station),
                RemoteStop(transaction_id=running.transaction_id),
                PREPAID_ACTOR,
                wait=0,
            )
        except Exception:
            log.exception("prepaid stop failed", transaction=running.transaction_id)

    def _spawn(self, work: object, name: str) -> None:
        assert asyncio.iscoroutine(work)
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the loads and stops under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # Reading ------------------------------------------------------------------------------

    def for_station(self, transaction_id: int) -> tuple[Decimal | None, tuple[str, str] | None]:
        """What a 2.0.1 station that shows cost and tariffs is told in its TransactionEvent
        answer: the total so far (None: nothing to tell) and, once, the tariff's text. From
        memory: no query."""
        running = self._running.get(transaction_id) or self._ended.get(transaction_id)
        if running is None:
            return None, None
        return running.total_for_station(), running.text_for_station()

    def running(self, transaction_id: int) -> RunningCost | None:
        """The session's cost in this node's memory, if it runs here."""
        return self._running.get(transaction_id)

    async def get(self, principal: Principal, transaction_id: int) -> CostSoFar | None:
        """The running session's cost so far (None once it has ended: its CDR says). From
        memory on the node that holds its station, else priced from its stored readings."""
        async with self.uow(readonly=True) as uow:
            tx = await uow.transactions.get(principal.scope, transaction_id)
            if tx is None:
                raise NotFound("transaction", transaction_id)
            if not tx.is_open:
                return None
            running = self._running.get(transaction_id)
            if running is not None:
                return running.so_far()
            running = await self.cost_of(uow, tx)
            if running is None:
                return None
            for reading in await _stored_readings(uow, tx):
                running.add(reading)
        return running.so_far()


async def _stored_readings(uow: UnitOfWork, tx: Transaction) -> list[Reading]:
    """The session's readings so far, from its stored meter values (one query)."""
    assert tx.id is not None
    records = await uow.transactions.meter_values([tx.id])
    register = [(at, wh) for at, _, wh in register_readings([r.sample for r in records])]
    meter_start = tx.meter_start_wh
    if meter_start is None:
        meter_start = min((wh for _, wh in register), default=0)
    return timeline(tx.start_time, meter_start, register)
