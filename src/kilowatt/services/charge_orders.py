"""Charge orders: a session started remotely and stopped at a limit of minutes, money or kWh.

``create`` sends the remote start (the remote start service checks the token and follows the
session) and records the order. The order learns its session from ``remote_start.outcome``,
then follows it through the live cost (services/session_costs.py ``watch``): after each
reading, in memory, no query; when the limit is reached the session is stopped remotely,
once, within one meter interval. Progress is written at most every ``save_every`` seconds
and at every change of state; TransactionEnded closes the order.

The node that records the order follows it, wherever its station is connected: when its
station is held by another node the session's relayed meter values are priced here too
(``SessionCostService.follow``), and the stop crosses to that node as any remote command does.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import structlog

from kilowatt.domain.charge_orders import (
    ChargeOrder,
    LimitKind,
    OrderState,
    check_limit,
    follow,
    force_stop,
    not_started,
    session_began,
    session_ended,
)
from kilowatt.domain.command_params import RemoteStart, RemoteStop
from kilowatt.domain.commands import CommandStatus, StartOutcome
from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.live import CommandFinished, RemoteStartOutcome, TransactionEnded
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.session_costs import RunningCost
from kilowatt.domain.stations import OcppId
from kilowatt.domain.tokens import TokenStatus
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    TokenFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.session_costs import SessionCostService

log = structlog.get_logger(__name__)

ACTOR = "charge order"
EARLY = 256


@dataclass(frozen=True, slots=True)
class OrderRequest:
    ocpp_id: str
    evse_id: int
    limit_kind: LimitKind
    limit: Decimal | str
    id_tag: str | None = None
    driver_id: int | None = None
    """Instead of ``id_tag``: the driver's first active token."""


class ChargeOrderService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        save_every: float = 30.0,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.remote: CommandService | None = None
        self.costs: SessionCostService | None = None
        self.save_every = save_every
        self._orders: dict[int, ChargeOrder] = {}
        """Open orders this node follows, by id."""
        self._by_command: dict[int, int] = {}
        self._by_transaction: dict[int, int] = {}
        self._early: OrderedDict[int, RemoteStartOutcome | CommandFinished] = OrderedDict()
        """Remote start news that came before its order was recorded (most are of remote
        starts that are no order's: the oldest go)."""
        self._saved_at: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # Asking -------------------------------------------------------------------------------

    async def create(self, principal: Principal, request: OrderRequest) -> ChargeOrder:
        assert self.remote is not None, "bootstrap wires the command service"
        limit = check_limit(request.limit_kind, request.limit)
        if request.evse_id < 1:
            raise InvalidInput("evse_id", "an EVSE of the station (1 or more)")
        async with self.uow(readonly=True) as uow:
            station = await station_in_scope(uow, principal.scope, request.ocpp_id)
            id_tag = await self._id_tag(uow, principal, request)
        assert station.id is not None
        command = await self.remote.execute(
            principal,
            OcppId(station.ocpp_id),
            RemoteStart(id_tag=id_tag, evse_id=request.evse_id),
            principal.name,
            wait=0,
        )
        now = self.clock.now()
        order = ChargeOrder(
            organization_id=principal.organization_id,
            station_id=station.id,
            station_ocpp_id=station.ocpp_id,
            evse_id=request.evse_id,
            id_tag=id_tag,
            limit_kind=request.limit_kind,
            limit=limit,
            created_by=principal.name,
            created_at=now,
            command_id=command.id,
        )
        async with self.uow() as uow:
            await uow.charge_orders.add(order)
            await record(
                uow,
                principal,
                "charge_order.create",
                "charge_order",
                order.id,
                {"limit_kind": order.limit_kind.value, "limit": str(limit), "id_tag": id_tag},
                at=now,
            )
            await uow.commit()
        self._follow(order)
        return order

    async def _id_tag(self, uow: UnitOfWork, principal: Principal, request: OrderRequest) -> str:
        if request.id_tag:
            return request.id_tag
        if request.driver_id is None:
            raise InvalidInput("id_tag", "a token or a driver is needed")
        tokens = await uow.tokens.search(
            principal.organization_id,
            PageRequest(limit=20),
            TokenFilter(driver_id=request.driver_id),
        )
        for token in tokens.items:
            if token.status is TokenStatus.ACCEPTED:
                return str(token.value)
        raise InvalidInput("driver_id", "the driver has no token that may charge")

    async def stop(self, principal: Principal, order_id: int) -> ChargeOrder:
        """Force-stop the order: its session is stopped at the station (if one runs)."""
        now = self.clock.now()
        async with self.uow() as uow:
            order = await uow.charge_orders.get(principal.scope, order_id)
            if order is None:
                raise NotFound("charge_order", order_id)
            held = self._orders.get(order_id)
            if held is not None:
                _copy_progress(held, order)
            send = force_stop(order)
            if order.state is OrderState.FAILED:
                order.ended_at = now
            await record(uow, principal, "charge_order.stop", "charge_order", order_id, {}, at=now)
            await uow.commit()
        if held is not None:
            held.state, held.outcome, held.ended_at = order.state, order.outcome, order.ended_at
        else:
            self._follow(order)
        if send:
            await self._stop_session(order)
        if not order.state.is_open:
            self._forget(order)
        return order

    # Following ----------------------------------------------------------------------------

    def _follow(self, order: ChargeOrder) -> None:
        assert order.id is not None
        if not order.state.is_open:
            return
        self._orders[order.id] = order
        if order.command_id is not None:
            self._by_command[order.command_id] = order.id
            early = self._early.pop(order.command_id, None)
            if early is not None:
                self._on_command(early)
        if order.transaction_id is not None:
            self._by_transaction[order.transaction_id] = order.id

    def _forget(self, order: ChargeOrder) -> None:
        assert order.id is not None
        self._orders.pop(order.id, None)
        self._saved_at.pop(order.id, None)
        if order.command_id is not None:
            self._by_command.pop(order.command_id, None)
        if order.transaction_id is not None:
            self._by_transaction.pop(order.transaction_id, None)

    def on_start_outcome(self, event: RemoteStartOutcome) -> None:
        self._on_command(event)

    def on_command_finished(self, event: CommandFinished) -> None:
        if event.operation == RemoteStart.operation.value:
            self._on_command(event)

    def _on_command(self, event: RemoteStartOutcome | CommandFinished) -> None:
        order_id = self._by_command.get(event.command_id)
        if order_id is None:
            # The order is being recorded (the answer came first): kept for it, briefly.
            self._early[event.command_id] = event
            while len(self._early) > EARLY:
                self._early.popitem(last=False)
            return
        order = self._orders[order_id]
        now = self.clock.now()
        if isinstance(event, CommandFinished):
            if event.status is not CommandStatus.ACCEPTED:
                not_started(order, now, f"the station answered {event.status.value}")
                self._save(order, closing=True)
            return
        if event.outcome is StartOutcome.STARTED and event.transaction_id is not None:
            session_began(order, event.transaction_id, now)
            self._by_transaction[event.transaction_id] = order_id
            if self.costs is not None:
                # Its station may be held by another node: its readings are followed here.
                self.costs.follow(event.transaction_id)
            self._save(order)
        elif event.outcome in (StartOutcome.REFUSED, StartOutcome.NOT_STARTED):
            not_started(order, now, event.outcome.value)
            self._save(order, closing=True)

    def on_cost(self, running: RunningCost) -> None:
        """After each reading of a session (services/session_costs.py): in memory only."""
        order_id = self._by_transaction.get(running.transaction_id)
        if order_id is None:
            return
        order = self._orders[order_id]
        so_far = running.so_far()
        if follow(
            order, so_far.energy_wh, so_far.elapsed_s, so_far.total_incl_vat, so_far.currency
        ):
            self._save(order)
            self._spawn(self._stop_session(order), f"charge-order-stop-{order_id}")
            return
        last = self._saved_at.get(order_id, 0.0)
        if asyncio.get_running_loop().time() - last >= self.save_every:
            self._save(order)

    def on_ended(self, event: TransactionEnded) -> None:
        order_id = self._by_transaction.get(event.transaction_id)
        if order_id is None:
            return
        order = self._orders[order_id]
        session_ended(order, self.clock.now(), event.energy_wh)
        self._save(order, closing=True)

    def _save(self, order: ChargeOrder, *, closing: bool = False) -> None:
        assert order.id is not None
        self._saved_at[order.id] = asyncio.get_running_loop().time()
        snapshot = _snapshot(order)
        if closing:
            self._forget(order)
        self._spawn(self._write(snapshot), f"charge-order-{order.id}")

    async def _write(self, snapshot: ChargeOrder) -> None:
        async with self.uow() as uow:
            assert snapshot.id is not None
            stored = await uow.charge_orders.get_by_id(snapshot.id)
            if stored is None:
                return
            if not stored.state.is_open and snapshot.state.is_open:
                return  # closed meanwhile (a force stop): that stands
            _copy_progress(snapshot, stored)
            stored.state, stored.outcome, stored.error = (
                snapshot.state,
                snapshot.outcome,
                snapshot.error,
            )
            stored.transaction_id = snapshot.transaction_id
            stored.started_at, stored.ended_at = snapshot.started_at, snapshot.ended_at
            await uow.commit()

    async def _stop_session(self, order: ChargeOrder) -> None:
        assert self.remote is not None
        if order.transaction_id is None:
            return
        log.info("charge order stops its session", order=order.id, outcome=order.outcome)
        try:
            await self.remote.execute(
                Principal.system(order.organization_id, ACTOR),
                OcppId(order.station_ocpp_id),
                RemoteStop(transaction_id=order.transaction_id),
                f"{ACTOR} {order.id}",
                wait=0,
            )
        except Exception:
            log.exception("charge order could not stop its session", order=order.id)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def resume(self) -> None:
        """At start-up: follow the orders still open (their sessions' costs are rebuilt on
        their next meter value)."""
        async with self.uow(readonly=True) as uow:
            for order in await uow.charge_orders.open_orders():
                self._follow(order)

    # Reading ------------------------------------------------------------------------------

    async def get(self, principal: Principal, order_id: int) -> ChargeOrder:
        async with self.uow(readonly=True) as uow:
            order = await uow.charge_orders.get(principal.scope, order_id)
        if order is None:
            raise NotFound("charge_order", order_id)
        return self._live(order)

    async def search(
        self, principal: Principal, page: PageRequest, state: OrderState | None = None
    ) -> Page[ChargeOrder]:
        async with self.uow(readonly=True) as uow:
            found = await uow.charge_orders.search(principal.scope, page, state)
        return Page([self._live(o) for o in found.items], found.next_cursor)

    def _live(self, order: ChargeOrder) -> ChargeOrder:
        """The stored order with the progress this node holds in memory, if newer."""
        assert order.id is not None
        held = self._orders.get(order.id)
        if held is not None and order.state.is_open:
            _copy_progress(held, order)
            order.state, order.outcome = held.state, held.outcome
            order.transaction_id = held.transaction_id
        return order


def _copy_progress(source: ChargeOrder, target: ChargeOrder) -> None:
    target.energy_wh = max(target.energy_wh, source.energy_wh)
    target.elapsed_s = max(target.elapsed_s, source.elapsed_s)
    if source.cost is not None:
        target.cost, target.currency = source.cost, source.currency


def _snapshot(order: ChargeOrder) -> ChargeOrder:
    copy = ChargeOrder(**{k: getattr(order, k) for k in _FIELDS})
    return copy


_FIELDS = (
    "organization_id",
    "station_id",
    "station_ocpp_id",
    "evse_id",
    "id_tag",
    "limit_kind",
    "limit",
    "created_by",
    "created_at",
    "state",
    "command_id",
    "transaction_id",
    "started_at",
    "ended_at",
    "energy_wh",
    "elapsed_s",
    "cost",
    "currency",
    "outcome",
    "error",
    "id",
)
