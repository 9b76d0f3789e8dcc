"""Live cost: each running session on this node carries its cost so far, in memory.

At TransactionStarted (this node's events only) the session's tariff versions, its site's time
zone and a prepaid wallet's balance are loaded once; each MeterValuesReported then adds one
reading to the session's ``SessionPricer``: no query per reading. A changed cost is published
as ``session.cost`` and, at most every ``cost_every`` seconds, told to a 2.0.1 station that
shows running cost (CostUpdated, through ``tell_station``, which the OCPP edge sets).
TransactionEnded forgets the session (the CDR service bills it from the stored readings).

Prepaid: the sessions on this node paying from one wallet share one ``WalletCredit``; when their
summed cost reaches the balance, each of them is stopped remotely, once. An ended session's cost
counts until its charge reaches the ledger (``wallet.changed`` naming the transaction, from
whichever node billed it), and top-ups raise the balance as they happen. Authorize and Start
ask ``spent`` so that a second session is refused once the balance less the running costs is
below the wallet's minimum. Sessions of the wallet on other nodes count too, from their relayed
``session.cost`` events (which name the wallet): each node stops the sessions it holds once
the sum reaches the balance. Those events are sent when the cost changes, a moment late at
most; what the balance could not cover is recorded as unpaid (it never goes below zero).

A session running on another node can be followed here too (``follow``, for a charge order
created here): its readings then come from the relayed MeterValuesReported events, its cost is
neither published nor told to its station (its own node does that), and it is never stopped
for credit here.

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

from kilowatt.domain.command_params import RemoteStop
from kilowatt.domain.errors import NotFound
from kilowatt.domain.live import MeterValuesReported, TransactionEnded, TransactionStarted
from kilowatt.domain.live_money import SessionCostUpdated, WalletChanged
from kilowatt.domain.money import money_text
from kilowatt.domain.pricing import Reading
from kilowatt.domain.session_costs import CostSoFar, RunningCost, WalletCredit
from kilowatt.domain.stations import OcppId
from kilowatt.domain.transactions import Transaction
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service
from kilowatt.services.commands import CommandService
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.session_loading import load_running, stored_readings

log = structlog.get_logger(__name__)

PREPAID_ACTOR = "prepaid credit"
REMEMBER_ENDED = 4096
"""Sessions recently ended, so that a late meter value does not rebuild them."""

Watcher = Callable[[RunningCost], None]
StationTeller = Callable[[str, str, Decimal], None]
"""(station, the station's transaction id, total so far): send the station a CostUpdated."""


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
        cost_every: float = 60.0,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.remote = remote
        self.cost_every = cost_every
        """Seconds between two CostUpdated to one station (while its cost changes)."""
        self.tell_station: StationTeller | None = None
        self._credits: dict[int, WalletCredit] = {}
        """Prepaid wallets of the sessions running here, by id."""
        self._elsewhere: dict[int, int] = {}
        """Sessions of other nodes spending a wallet known here: transaction → wallet."""
        self._remote: set[int] = set()
        """Sessions of other nodes followed here (``follow``)."""
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
        self._remote.discard(tx_id)  # its station is here after all
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
        self._remote.discard(tx_id)
        self._ended[tx_id] = running
        while len(self._ended) > REMEMBER_ENDED:
            self._ended.popitem(last=False)
        if running is not None and running.credit is not None:
            running.credit.ended(tx_id)
            self._release(running.credit)

    def on_wallet(self, event: WalletChanged) -> None:
        """A wallet's ledger moved (on any node): its balance, and a session charged."""
        credit = self._credits.get(event.wallet_id)
        if credit is None:
            return
        credit.charged(event.transaction_id, Decimal(event.balance))
        self._release(credit)

    # Sessions of other nodes --------------------------------------------------------------

    def follow(self, transaction_id: int) -> None:
        """Follow a session here even if its station is held by another node (its relayed
        readings priced here): for a charge order created on this node."""
        if transaction_id in self._running or transaction_id in self._loading:
            return  # its station is here
        if transaction_id in self._ended:
            return
        self._remote.add(transaction_id)
        self._loading[transaction_id] = _Loading()
        self._spawn(self._load(transaction_id, rebuild=True), f"cost-{transaction_id}")

    def on_relayed_meter(self, event: MeterValuesReported) -> None:
        """Every node's meter values: those of the sessions followed from here."""
        if event.transaction_id in self._remote:
            self.on_meter(event)

    def on_relayed_ended(self, event: TransactionEnded) -> None:
        if event.transaction_id in self._remote:
            self.on_ended(event)
        wallet_id = self._elsewhere.pop(event.transaction_id, None)
        credit = self._credits.get(wallet_id) if wallet_id is not None else None
        if credit is not None:
            credit.ended(event.transaction_id)
            self._release(credit)

    def on_relayed_cost(self, event: SessionCostUpdated) -> None:
        """Every node's session costs: those of other nodes' sessions spending a wallet count
        for its credit here."""
        tx_id, wallet_id = event.transaction_id, event.wallet_id
        if wallet_id is None or (tx_id in self._running and tx_id not in self._remote):
            return  # not prepaid, or a session of this node
        if tx_id in self._ended:
            return
        credit = self._credits.get(wallet_id)
        if credit is None:
            credit = self._credits[wallet_id] = WalletCredit(wallet_id, Decimal(0), known=False)
        self._elsewhere[tx_id] = wallet_id
        credit.running[tx_id] = Decimal(event.cost)
        if credit.used_up():
            self._stop_all(credit)

    # The work -----------------------------------------------------------------------------

    def _add(self, running: RunningCost, reading: Reading) -> None:
        running.add(reading)
        remote = running.transaction_id in self._remote
        if not remote and running.changed():
            self._publish(running)
            self._tell(running)
        if not remote and running.credit_used_up():
            assert running.credit is not None
            self._stop_all(running.credit)
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
                wallet_id=(running.credit.wallet_id or None)
                if running.credit is not None
                else None,
            )
        )

    def _tell(self, running: RunningCost) -> None:
        """A 2.0.1 station that shows running cost: a CostUpdated, at most every
        ``cost_every`` seconds."""
        if self.tell_station is None or not running.shows_cost:
            return
        total = running.cost_update_due(self.clock.now(), self.cost_every)
        if total is not None and running.station_transaction_id is not None:
            self.tell_station(running.station, running.station_transaction_id, total)

    def _stop_all(self, credit: WalletCredit) -> None:
        """The wallet's credit is used up: every session here paying from it is stopped."""
        for tx_id in list(credit.running):
            running = self._running.get(tx_id)
            if running is not None and tx_id not in self._remote and running.stop_once():
                self._spawn(self._stop(running), f"prepaid-stop-{tx_id}")

    def _release(self, credit: WalletCredit) -> None:
        """Forget a wallet no session here runs up any more."""
        if credit.idle and self._credits.get(credit.wallet_id) is credit:
            del self._credits[credit.wallet_id]

    def spent(self, wallet_id: int) -> Decimal:
        """What the sessions running here have run up on the wallet and not yet been charged
        (from memory: for Authorize and Start)."""
        credit = self._credits.get(wallet_id)
        return credit.spent() if credit is not None else Decimal(0)

    async def _load(self, transaction_id: int, *, rebuild: bool) -> None:
        try:
            running = await self._running_cost(transaction_id, rebuild=rebuild)
        except Exception:
            log.exception("live cost could not be loaded", transaction=transaction_id)
            running = None
        waiting = self._loading.pop(transaction_id, None)
        if running is None or waiting is None:
            # Ended meanwhile, or not a running session: nothing to follow.
            self._remote.discard(transaction_id)
            if running is not None and running.credit is not None:
                running.credit.running.pop(transaction_id, None)
                self._release(running.credit)
            return
        self._running[transaction_id] = running
        if running.credit is not None:
            credit = self._credits.setdefault(running.credit.wallet_id, running.credit)
            running.credit = credit
            running.credit_used_up()  # its cost so far counts for the wallet from now on
        for reading in sorted(waiting.readings, key=lambda r: r.at):
            self._add(running, reading)

    async def _running_cost(self, transaction_id: int, *, rebuild: bool) -> RunningCost | None:
        async with self.uow(readonly=True) as uow:
            found = await uow.transactions.by_ids({transaction_id})
            if not found or not found[0].is_open:
                return None
            tx = found[0]
            running = await self.cost_of(uow, tx, track=transaction_id not in self._remote)
            if running is not None and rebuild:
                for reading in await stored_readings(uow, tx):
                    running.add(reading)
                running.changed()
        return running

    async def cost_of(
        self, uow: UnitOfWork, tx: Transaction, *, track: bool = False
    ) -> RunningCost | None:
        """A running session's cost, at its start: its tariff, zone and prepaid balance
        (``track``: its wallet's credit shared with the other sessions here on it)."""
        loaded = await load_running(uow, tx)
        if loaded is None:
            return None
        running, wallet = loaded
        if track and wallet is not None and wallet.id is not None:
            running.credit = self._credit(wallet.id, wallet.balance)
        return running

    def _credit(self, wallet_id: int, balance: Decimal) -> WalletCredit:
        """The wallet's shared credit: made with the stored balance when no session here runs
        up on it, else the one in memory (its balance kept current by ``on_wallet``)."""
        credit = self._credits.get(wallet_id)
        if credit is None:
            credit = self._credits[wallet_id] = WalletCredit(wallet_id, balance)
        elif not credit.known:
            credit.balance, credit.known = balance, True
        return credit

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
            for reading in await stored_readings(uow, tx):
                running.add(reading)
        return running.so_far()
