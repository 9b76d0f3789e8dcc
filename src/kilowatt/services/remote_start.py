"""Remote starts: the token checked before the command is sent, the session followed after.

RemoteStartService holds the remote_start operation's hook (prepare: check the token, fill in
what the protocols need, and make the command wait for its session; complete: open the window
once the station accepts) and the timers that close windows. TransactionService tells it when
a session begins (``follow_start``, ``follow_event``), in the unit of work that records the
session; the outcome is published on the bus as ``remote_start.outcome``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from kilowatt.domain.command_params import RemoteStart
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.drivers import Driver
from kilowatt.domain.live import RemoteStartOutcome
from kilowatt.domain.paging import PageRequest
from kilowatt.domain.remote_start import (
    RunningSession,
    TokenRefused,
    answered,
    expect_session,
    may_be_its_session,
    missed,
    session_began,
    start_params,
    window_of,
)
from kilowatt.domain.stations import StationRef, key_of
from kilowatt.domain.tokens import AuthorizationStatus, IdToken, IdTokenType
from kilowatt.domain.transactions import Transaction, TransactionState, record_authorization
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.access import decide
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    TransactionFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)

CHOICES = 8
"""Tokens the picker offers at most."""


@dataclass(frozen=True, slots=True)
class TokenChoice:
    """A token an operator may pick for a remote start, and what a start with it would meet."""

    token: IdToken
    driver: Driver | None
    status: AuthorizationStatus


def token_type(params: RemoteStart) -> IdTokenType | None:
    try:
        return IdTokenType(params.id_token_type or "")
    except ValueError:
        return None


async def running_session(
    uow: UnitOfWork, organization_id: int, value: str
) -> RunningSession | None:
    """Where the token ``value`` is charging now, if it is."""
    found = await uow.transactions.search(
        Scope(organization_id),
        PageRequest(limit=1),
        TransactionFilter(id_tag=value, state=TransactionState.ACTIVE),
    )
    if not found.items or found.items[0].id is None:
        return None
    transaction = found.items[0]
    names = await uow.stations.identities({transaction.station_id})
    assert transaction.id is not None
    return RunningSession(
        transaction.id, names.get(transaction.station_id, ""), transaction.evse_id
    )


async def check_token(
    uow: UnitOfWork,
    command: Command,
    params: RemoteStart,
    token: IdToken | None,
    now: datetime,
    spent: Callable[[int], Decimal] | None = None,
) -> None:
    """Refuse (TokenRefused) a token the station's start would be refused for: unknown
    (unless the operator allows it), blocked, expired, invalid, not allowed at that station
    now, or already charging."""
    value = params.id_tag
    if token is None:
        if params.allow_unknown:
            return
        raise TokenRefused(value, AuthorizationStatus.UNKNOWN)
    busy = await uow.transactions.token_in_transaction(command.organization_id, value)
    decision = await decide(
        uow, command.station_id, token, now, in_other_transaction=busy, spent=spent
    )
    if decision.accepted:
        return
    running = None
    if decision.status is AuthorizationStatus.CONCURRENT_TX:
        running = await running_session(uow, command.organization_id, value)
    raise TokenRefused(value, decision.status, running)


async def charge_to_command_token(
    uow: UnitOfWork, ref: StationRef, transaction: Transaction, command: Command, now: datetime
) -> None:
    """A session begun for ``command`` whose events name no token is charged to the token
    Kilowatt asked the station to start for, checked as the first token of a session is."""
    params = start_params(command)
    if params is None or not params.id_tag:
        return
    value = params.id_tag
    typed = token_type(params)
    if typed is IdTokenType.NO_AUTHORIZATION:
        record_authorization(transaction, value, None, AuthorizationStatus.ACCEPTED)
        return
    assert transaction.id is not None
    token = await uow.tokens.find(ref.organization_id, value, typed)
    busy = await uow.transactions.token_in_transaction(
        ref.organization_id, value, exclude={transaction.id}
    )
    decision = await decide(uow, ref.id, token, now, in_other_transaction=busy)
    record_authorization(transaction, value, token.id if token else None, decision.status)


def _began(command: Command, transaction: Transaction) -> Command | None:
    assert transaction.id is not None
    status = AuthorizationStatus(transaction.auth_status)
    return command if session_began(command, transaction.id, status) else None


async def follow_start(
    uow: UnitOfWork,
    ref: StationRef,
    transaction: Transaction,
    now: datetime,
    evse_id: int | None = None,
) -> Command | None:
    """A session began with its token known: the remote start waiting for it (same token,
    same EVSE, within its window), if any, records it. Returns that command."""
    if not transaction.id_tag:
        return None
    evse = evse_id or transaction.evse_id
    for command in await uow.commands.awaiting_start(ref.id):
        if may_be_its_session(command, evse_id=evse, id_tag=transaction.id_tag, now=now):
            return _began(command, transaction)
    return None


async def follow_event(
    uow: UnitOfWork,
    ref: StationRef,
    transaction: Transaction,
    now: datetime,
    *,
    remote_start_id: int | None,
    evse_id: int | None,
    token_presented: bool,
) -> Command | None:
    """A 2.0.1 TransactionEvent, after its token (if any) was checked and before its facts are
    applied. A remoteStartId new to the transaction names the command: the session takes its
    token if it has none yet, and the command records the session. Without one, a session's
    first token may still answer a waiting remote start, as in 1.6. Events that bring neither
    cost nothing."""
    named = remote_start_id is not None and remote_start_id != transaction.remote_start_id
    if not named and not token_presented:
        return None
    if named:
        assert remote_start_id is not None
        command = await uow.commands.get(remote_start_id)
        if (
            command is None
            or command.station_id != ref.id
            or not isinstance(command.params, RemoteStart)
        ):
            return None
        if not transaction.id_tag:
            await charge_to_command_token(uow, ref, transaction, command, now)
        return _began(command, transaction) if transaction.id_tag else None
    if transaction.remote_start_id is not None:
        return None
    return await follow_start(uow, ref, transaction, now, evse_id)


def start_evse(command: Command) -> int | None:
    """The EVSE a remote start asked for (None: any)."""
    params = start_params(command)
    return None if params is None else params.evse_id


def publish_followed(bus: EventPublisher, command: Command | None) -> None:
    """Tell live pages what became of a remote start's session."""
    if command is None or command.start_outcome is None:
        return
    assert command.id is not None
    bus.publish(
        RemoteStartOutcome(
            command.station_ocpp_id,
            command_id=command.id,
            evse_id=start_evse(command),
            outcome=command.start_outcome,
            transaction_id=command.start_transaction_id,
            authorization_status=command.start_status,
            window=window_of(command),
        )
    )


class RemoteStartService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, *, window: float
    ) -> None:
        super().__init__(uow, clock, bus)
        self.window = window
        """Seconds a session may take to begin once the station accepted (default)."""
        self._timers: dict[int, asyncio.Task[None]] = {}

    def install(self, remote: CommandService) -> None:
        remote.register(Hook(RemoteStart, prepare=self._prepare, complete=self._answered))

    async def _prepare(
        self, uow: UnitOfWork, command: Command, params: RemoteStart, now: datetime
    ) -> RemoteStart:
        """Check the token; 2.0.1 needs its type, which a registered token says."""
        typed = token_type(params)
        token = await uow.tokens.find(command.organization_id, params.id_tag, typed)
        if typed is not IdTokenType.NO_AUTHORIZATION:
            # A 2.0.1 NoAuthorization start (free vend) names nobody: nothing to check.
            await check_token(uow, command, params, token, now, self.credit_spent)
        if not params.id_token_type:
            kind = (token.type if token else IdTokenType.ISO14443).value
            params = replace(params, id_token_type=kind)
        return expect_session(command, params, params.start_window or self.window)

    async def _answered(
        self,
        uow: UnitOfWork,
        command: Command,
        params: RemoteStart,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        if answered(command, outcome.status is CommandStatus.ACCEPTED, now):
            self._watch(command)

    # Windows ------------------------------------------------------------------------------

    def _watch(self, command: Command) -> None:
        assert command.id is not None
        assert command.start_deadline is not None
        if command.id in self._timers:
            return
        task = asyncio.create_task(
            self._close_at(command.id, command.start_deadline), name=f"remote-start-{command.id}"
        )
        self._timers[command.id] = task
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._timers.items()):
            if running is task:
                del self._timers[key]

    async def _close_at(self, command_id: int, deadline: datetime) -> None:
        # A timer may wake a hair early: the window closes at the deadline, not before.
        left = (deadline - self.clock.now()).total_seconds()
        await asyncio.sleep(max(left, 0) + 0.05)
        await self.close_window(command_id)

    async def close_window(self, command_id: int) -> Command | None:
        """No session began in time: say so (once)."""
        async with self.uow() as uow:
            command = await uow.commands.get(command_id)
            if command is None or not missed(command, self.clock.now()):
                return None
            await uow.commit()
        publish_followed(self.bus, command)
        return command

    async def resume(self) -> None:
        """At start-up: watch the windows still open (a restart stopped their timers)."""
        async with self.uow(readonly=True) as uow:
            waiting = await uow.commands.awaiting_start()
        for command in waiting:
            if command.start_deadline is not None:
                self._watch(command)

    async def close(self) -> None:
        for task in list(self._timers.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # The picker ---------------------------------------------------------------------------

    async def choices(
        self, principal: Principal, ocpp_id: str, text: str, limit: int = CHOICES
    ) -> list[TokenChoice]:
        """Tokens matching ``text`` (their value or label, their driver's name or email), with
        what a remote start at the station would meet for each now."""
        text = text.strip()
        if not text:
            return []
        now = self.clock.now()
        organization_id = principal.organization_id
        async with self.uow(readonly=True) as uow:
            station = key_of(await station_in_scope(uow, principal.scope, ocpp_id))
            found = await uow.tokens.pick(organization_id, text, limit)
            choices = []
            for token, driver in found:
                busy = await uow.transactions.token_in_transaction(organization_id, token.value)
                decision = await decide(uow, station, token, now, in_other_transaction=busy)
                choices.append(TokenChoice(token, driver, decision.status))
        return choices
