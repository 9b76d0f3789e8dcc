"""Charging sessions: start, meter, stop (1.6) or events (2.0.1), and the queries over them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kilowatt.domain.command_params import RemoteStop
from kilowatt.domain.commands import Command
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.live import (
    MeterValuesReported,
    TransactionEnded,
    TransactionStarted,
    TransactionUpdated,
    transaction_progress,
)
from kilowatt.domain.metering import MeterRecord, SampledValue, register_readings
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import StationRef
from kilowatt.domain.tokens import (
    AuthorizationDecision,
    AuthorizationStatus,
    IdToken,
    IdTokenType,
)
from kilowatt.domain.transactions import (
    EventFacts,
    StopData,
    Transaction,
    TransactionEventRecord,
    TransactionEventType,
    TransactionState,
    apply_event,
    close_transaction,
    has_seq_gap,
    mark_seq_gap,
    observe_register,
    open_from_event,
    open_transaction,
    orphan_stop,
    record_authorization,
    start_key,
    supersede,
)
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.access import decide, parent_id_tag
from kilowatt.services.base import Service
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.connector_states import follow_transaction, publish_state
from kilowatt.services.metering import ReadingMemory
from kilowatt.services.ports import (
    Clock,
    EventPublisher,
    TransactionFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.remote_start import follow_event, follow_start, publish_followed
from kilowatt.services.reservations import use_reservation


@dataclass(frozen=True, slots=True)
class StartRequest:
    evse_id: int
    connector_id: int
    id_tag: str
    timestamp: datetime
    meter_start_wh: int
    reservation_id: int | None = None


@dataclass(frozen=True, slots=True)
class StartResult:
    transaction_id: int
    decision: AuthorizationDecision
    replayed: bool


@dataclass(frozen=True, slots=True)
class StopRequest:
    transaction_id: int
    timestamp: datetime
    meter_stop_wh: int
    reason: str | None = None
    id_tag: str | None = None
    samples: Sequence[SampledValue] = ()


@dataclass(frozen=True, slots=True)
class StopResult:
    transaction_id: int
    decision: AuthorizationDecision | None
    replayed: bool
    unknown: bool


@dataclass(frozen=True, slots=True)
class TokenRef:
    value: str
    type: IdTokenType | None = None


@dataclass(frozen=True, slots=True)
class TransactionEventInput:
    """A 2.0.1 TransactionEvent, version-neutral."""

    event_type: TransactionEventType
    transaction_ref: str
    seq_no: int
    timestamp: datetime
    trigger_reason: str
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: TokenRef | None = None
    charging_state: str | None = None
    stopped_reason: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False
    number_of_phases: int | None = None
    samples: Sequence[SampledValue] = ()

    def facts(self) -> EventFacts:
        return EventFacts(
            event_type=self.event_type,
            seq_no=self.seq_no,
            timestamp=self.timestamp,
            evse_id=self.evse_id,
            connector_id=self.connector_id,
            charging_state=self.charging_state,
            remote_start_id=self.remote_start_id,
            reservation_id=self.reservation_id,
            offline=self.offline,
            number_of_phases=self.number_of_phases,
        )


@dataclass(frozen=True, slots=True)
class EventResult:
    transaction_id: int
    decision: AuthorizationDecision | None
    duplicate: bool


@dataclass(frozen=True, slots=True)
class TransactionView:
    transaction: Transaction
    station_ocpp_id: str
    meter_values: list[MeterRecord] | None = None


@dataclass(frozen=True, slots=True)
class TransactionDetail:
    transaction: Transaction
    station_ocpp_id: str
    meter_values: list[MeterRecord]
    events: list[TransactionEventRecord]


async def _with_token_facts(
    uow: UnitOfWork, status: AuthorizationStatus, token: IdToken | None
) -> AuthorizationDecision:
    """The answer given before, with the token's expiry and group as they are now."""
    if token is None:
        return AuthorizationDecision(status)
    return AuthorizationDecision(
        status, expires_at=token.expires_at, group_id=await parent_id_tag(uow, token)
    )


async def _unrelated(
    uow: UnitOfWork, transaction: Transaction, id_tag: str | None, token: IdToken | None
) -> bool:
    """A stop presented ``id_tag``: is it unrelated to the token that started ``transaction``
    (neither the same, nor of the same group, which OCPP lets stop it)?"""
    if not id_tag or not transaction.id_tag or id_tag.lower() == transaction.id_tag.lower():
        return False
    if token is not None and token.group_id is not None and transaction.id_token_id is not None:
        started_by = await uow.tokens.get(transaction.organization_id, transaction.id_token_id)
        if started_by is not None and started_by.group_id == token.group_id:
            return False
    return True


async def _rated_power(uow: UnitOfWork, ref: StationRef, transaction: Transaction) -> int | None:
    """The rated power of the transaction's connector (any of its EVSE's, when the station
    named none), if an operator or an import gave one."""
    for connector in await uow.connectors.for_station(ref.id):
        if connector.evse_id == transaction.evse_id and transaction.connector_id in (
            0,
            connector.connector_id,
        ):
            return connector.max_power_w
    return None


class TransactionService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        readings: ReadingMemory | None = None,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.readings = readings or ReadingMemory()
        """What the meter-value writer knows it stored: forgotten for a station whose readings
        reach the database here (services/metering.py)."""

    def install(self, remote: CommandService) -> None:
        # Remote starts have their own service (services/remote_start.py).
        remote.register(Hook(RemoteStop, prepare=self._prepare_remote_stop))

    @staticmethod
    async def _prepare_remote_stop(
        uow: UnitOfWork, command: Command, params: RemoteStop, now: datetime
    ) -> RemoteStop:
        """Only a running transaction of that station can be stopped; 2.0.1 names it by the
        station's own id."""
        transaction_id = params.transaction_id
        transaction = await uow.transactions.get(Scope(command.organization_id), transaction_id)
        if transaction is None or transaction.station_id != command.station_id:
            raise InvalidInput(
                "transaction_id", f"no transaction {transaction_id} at {command.station_ocpp_id}"
            )
        if not transaction.is_open:
            raise InvalidInput("transaction_id", f"transaction {transaction_id} has ended")
        return replace(
            params,
            ocpp_transaction_id=transaction.ocpp_transaction_id or str(transaction_id),
        )

    # OCPP 1.6 ------------------------------------------------------------------------------

    async def start(self, ref: StationRef, request: StartRequest) -> StartResult:
        """Open a transaction and give it a system-wide id.

        A replay (same connector, tag, timestamp and meter start) gets the id and the answer it
        got the first time, and creates nothing. A token that may not charge still gets a
        transaction (the station has begun one and needs an id to stop it) with the refusal
        recorded.
        """
        key = start_key(request.evse_id, request.id_tag, request.timestamp, request.meter_start_wh)
        for attempt in range(2):
            try:
                return await self._start(ref, request, key)
            except Conflict:
                # The same start committed concurrently (a station retrying on a new socket):
                # the second pass finds it and answers the replay.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _start(self, ref: StationRef, request: StartRequest, key: str) -> StartResult:
        now = self.clock.now()
        async with self.uow() as uow:
            token = await uow.tokens.find(ref.organization_id, request.id_tag)
            existing = await uow.transactions.by_start_key(ref.id, key)
            if existing is not None:
                assert existing.id is not None
                decision = await _with_token_facts(
                    uow, AuthorizationStatus(existing.auth_status), token
                )
                return StartResult(existing.id, decision, replayed=True)
            # A transaction left open on this connector lost its stop: it is closed first, so
            # that it does not count against the driver who starts again.
            stale = await uow.transactions.open_on_connector(
                ref.id, request.evse_id, request.connector_id
            )
            for old in stale:
                supersede(old, now)
            busy = await uow.transactions.token_in_transaction(
                ref.organization_id,
                request.id_tag,
                exclude={old.id for old in stale if old.id is not None},
            )
            decision = await decide(
                uow, ref.id, token, now, in_other_transaction=busy, spent=self.credit_spent
            )
            connector = await uow.connectors.get(ref.id, request.evse_id, request.connector_id)
            transaction = await uow.transactions.add(
                open_transaction(
                    organization_id=ref.organization_id,
                    station_id=ref.id,
                    evse_id=request.evse_id,
                    connector_id=request.connector_id,
                    id_tag=request.id_tag,
                    id_token_id=token.id if token else None,
                    start_time=request.timestamp,
                    meter_start_wh=request.meter_start_wh,
                    auth_status=decision.status,
                    now=now,
                    key=key,
                    reservation_id=request.reservation_id,
                    online_since=ref.connected_at,
                    connector_known=connector is not None,
                    max_power_w=connector.max_power_w if connector else None,
                )
            )
            if request.reservation_id is not None:
                await use_reservation(uow, transaction, request.reservation_id, now)
            followed = await follow_start(uow, ref, transaction, now)
            await uow.commit()
        assert transaction.id is not None
        self.bus.publish(TransactionStarted.of(ref.ocpp_id, transaction))
        publish_followed(self.bus, followed)
        return StartResult(transaction.id, decision, replayed=False)

    async def stop(self, ref: StationRef, request: StopRequest) -> StopResult:
        """Close a transaction. A replay changes nothing; a stop for a transaction we never
        started is kept, flagged, so that no energy reading is lost."""
        self.readings.forget(ref.id)
        now = self.clock.now()
        async with self.uow() as uow:
            decision = None
            token = None
            if request.id_tag:
                token = await uow.tokens.find(ref.organization_id, request.id_tag)
                decision = await decide(uow, ref.id, token, now, at_station=False)
            transaction = await self._own(uow, ref, request.transaction_id)
            stop = StopData(
                timestamp=request.timestamp,
                meter_stop_wh=request.meter_stop_wh,
                reason=request.reason,
                id_tag=request.id_tag,
                online_since=ref.connected_at,
                other_token=transaction is not None
                and await _unrelated(uow, transaction, request.id_tag, token),
            )
            unknown = transaction is None
            if transaction is None:
                transaction = await uow.transactions.add(
                    orphan_stop(
                        organization_id=ref.organization_id,
                        station_id=ref.id,
                        ocpp_transaction_id=str(request.transaction_id),
                        stop=stop,
                        now=now,
                    )
                )
                changed = True
            else:
                changed = close_transaction(transaction, stop, now)
            assert transaction.id is not None
            # Read before the unit of work ends: a replay ends without a commit, and a grouped
            # unit of work rolls its savepoint back, which expires what it loaded.
            transaction_id = transaction.id
            if changed:
                await uow.transactions.add_meter_values(
                    self._records(ref, transaction, transaction.id, request.samples)
                )
                await uow.commit()
        if changed:
            self.bus.publish(TransactionEnded.of(ref.ocpp_id, transaction))
        return StopResult(transaction_id, decision, replayed=not changed, unknown=unknown)

    @staticmethod
    async def _own(uow: UnitOfWork, ref: StationRef, transaction_id: int) -> Transaction | None:
        """This station's transaction with a 1.6 id: ours, or a stop we kept for one we never
        started (its replay)."""
        transaction = await uow.transactions.get(Scope(ref.organization_id), transaction_id)
        if transaction is not None and transaction.station_id == ref.id:
            return transaction
        return await uow.transactions.by_ocpp_id(ref.id, str(transaction_id))

    # OCPP 2.0.1 ----------------------------------------------------------------------------

    async def event(self, ref: StationRef, event: TransactionEventInput) -> EventResult:
        """Apply one 2.0.1 TransactionEvent.

        Events are keyed by (transaction, seqNo): a duplicate changes nothing; a hole in the
        seqNo flags the transaction until the missing event arrives; events applied out of
        order end in the state their seqNo order gives. A token may come with any event.
        """
        for attempt in range(2):
            try:
                return await self._event(ref, event)
            except Conflict:
                if attempt:  # the same event committed concurrently: now it is a duplicate
                    raise
        raise AssertionError("unreachable")

    async def _event(self, ref: StationRef, event: TransactionEventInput) -> EventResult:
        self.readings.forget(ref.id)
        now = self.clock.now()
        ended = False
        async with self.uow() as uow:
            transaction = await uow.transactions.by_ocpp_id(ref.id, event.transaction_ref)
            if transaction is None:
                transaction = await uow.transactions.add(
                    open_from_event(
                        organization_id=ref.organization_id,
                        station_id=ref.id,
                        ocpp_transaction_id=event.transaction_ref,
                        timestamp=event.timestamp,
                        now=now,
                    )
                )
            assert transaction.id is not None
            seen = await uow.transactions.event_seqs(transaction.id)
            token = None
            if event.id_token is not None:
                token = await uow.tokens.find(
                    ref.organization_id, event.id_token.value, event.id_token.type
                )
            if event.seq_no in seen:
                decision = None
                if event.id_token is not None:
                    decision = await _with_token_facts(
                        uow, AuthorizationStatus(transaction.auth_status), token
                    )
                return EventResult(transaction.id, decision, duplicate=True)

            before = transaction_progress(transaction)
            await uow.transactions.add_event(
                TransactionEventRecord(
                    transaction_id=transaction.id,
                    seq_no=event.seq_no,
                    event_type=event.event_type.value,
                    trigger_reason=event.trigger_reason,
                    timestamp=event.timestamp,
                    received_at=now,
                    offline=event.offline,
                    charging_state=event.charging_state,
                    id_tag=event.id_token.value if event.id_token else None,
                )
            )
            decision = await self._authorize_event(uow, ref, transaction, event, token, now)
            followed = await follow_event(
                uow,
                ref,
                transaction,
                now,
                remote_start_id=event.remote_start_id,
                evse_id=event.evse_id,
                token_presented=event.id_token is not None,
            )
            ended_again = (
                event.event_type is TransactionEventType.ENDED and transaction.stop_received
            )
            if not ended_again:
                # A second Ended (another seqNo) is kept as an event and changes nothing.
                had_evse = transaction.evse_id
                apply_event(transaction, event.facts(), now, ref.connected_at)
                if transaction.evse_id and not had_evse:
                    transaction.max_power_w = await _rated_power(uow, ref, transaction)
                if event.reservation_id is not None:
                    await use_reservation(uow, transaction, event.reservation_id, now)
                for at, context, wh in register_readings(list(event.samples)):
                    observe_register(transaction, wh, at, context)
                await uow.transactions.add_meter_values(
                    self._records(ref, transaction, transaction.id, event.samples)
                )
            if event.event_type is TransactionEventType.ENDED and not ended_again:
                stop_tag = event.id_token.value if event.id_token else None
                ended = close_transaction(
                    transaction,
                    StopData(
                        event.timestamp,
                        None,
                        event.stopped_reason,
                        stop_tag,
                        online_since=None if event.offline else ref.connected_at,
                        other_token=await _unrelated(uow, transaction, stop_tag, token),
                    ),
                    now,
                )
            mark_seq_gap(transaction, has_seq_gap(seen | {event.seq_no}, transaction.started_seq))
            # A 2.0.1 station says Occupied throughout: its connectors' state follows the
            # transaction (services/connector_states.py) when it starts, ends or says its
            # chargingState.
            moved = []
            if event.charging_state or event.event_type is not TransactionEventType.UPDATED:
                moved = await follow_transaction(uow, transaction)
            updated = (
                event.event_type is TransactionEventType.UPDATED
                and transaction.is_open
                and transaction_progress(transaction) != before
            )
            await uow.commit()
        for connector in moved:
            publish_state(self.bus, ref.ocpp_id, connector)
        if event.event_type is TransactionEventType.STARTED:
            self.bus.publish(TransactionStarted.of(ref.ocpp_id, transaction))
        publish_followed(self.bus, followed)
        if updated:
            self.bus.publish(TransactionUpdated.of(ref.ocpp_id, transaction))
        if ended:
            self.bus.publish(TransactionEnded.of(ref.ocpp_id, transaction))
        if event.samples:
            self.bus.publish(
                MeterValuesReported.of(
                    ref.ocpp_id,
                    transaction.evse_id,
                    transaction.connector_id,
                    transaction,
                    event.samples,
                )
            )
        return EventResult(transaction.id, decision, duplicate=False)

    async def _authorize_event(
        self,
        uow: UnitOfWork,
        ref: StationRef,
        transaction: Transaction,
        event: TransactionEventInput,
        token: IdToken | None,
        now: datetime,
    ) -> AuthorizationDecision | None:
        presented = event.id_token
        if presented is None:
            return None
        now_decision: AuthorizationDecision
        if presented.type is IdTokenType.NO_AUTHORIZATION:
            # The station charges without identification (free vend): nothing to check.
            now_decision = AuthorizationDecision(AuthorizationStatus.ACCEPTED)
            if not transaction.id_tag:
                record_authorization(transaction, presented.value, None, now_decision.status)
            return now_decision
        another_card = (
            transaction.state is TransactionState.REFUSED
            and presented.value.lower() != transaction.id_tag.lower()
        )
        if not transaction.id_tag or another_card:
            # The token the transaction is charged to (the first one, or another card tapped
            # after a refusal): it may not be busy elsewhere.
            assert transaction.id is not None
            busy = await uow.transactions.token_in_transaction(
                ref.organization_id, presented.value, exclude={transaction.id}
            )
            now_decision = await decide(
                uow, ref.id, token, now, in_other_transaction=busy, spent=self.credit_spent
            )
            record_authorization(
                transaction, presented.value, token.id if token else None, now_decision.status
            )
            return now_decision
        # The same token again (say, the driver's card stopping the session) or another one:
        # checked as it is now, and never ConcurrentTx, which only concerns a start; nor the
        # access rules: a session that began in a time window is not cut when it closes.
        return await decide(uow, ref.id, token, now, at_station=False)

    # Helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _records(
        ref: StationRef, transaction: Transaction, tx_id: int, samples: Sequence[SampledValue]
    ) -> list[MeterRecord]:
        return [
            MeterRecord(ref.id, transaction.evse_id, transaction.connector_id, tx_id, sample)
            for sample in samples
        ]

    # Queries -------------------------------------------------------------------------------

    async def search(
        self,
        principal: Principal,
        page: PageRequest,
        where: TransactionFilter,
        station_ocpp_id: str | None = None,
        with_meter_values: bool = False,
    ) -> Page[TransactionView]:
        scope = principal.scope
        async with self.uow(readonly=True) as uow:
            if station_ocpp_id is not None:
                station = await uow.stations.get(scope, station_ocpp_id)
                if station is None:
                    return Page(items=[], next_cursor=None)
                where = replace(where, station_id=station.id)
            found = await uow.transactions.search(scope, page, where)
            names = await uow.stations.identities({t.station_id for t in found.items})
            readings: dict[int, list[MeterRecord]] | None = None
            if with_meter_values:
                readings = {t.id: [] for t in found.items if t.id is not None}
                for record in await uow.transactions.meter_values(list(readings)):
                    assert record.transaction_id is not None
                    readings[record.transaction_id].append(record)
        return Page(
            items=[
                TransactionView(
                    t,
                    names.get(t.station_id, ""),
                    None if readings is None or t.id is None else readings[t.id],
                )
                for t in found.items
            ],
            next_cursor=found.next_cursor,
        )

    async def get(self, principal: Principal, transaction_id: int) -> TransactionDetail:
        async with self.uow(readonly=True) as uow:
            transaction = await uow.transactions.get(principal.scope, transaction_id)
            if transaction is None:
                raise NotFound("transaction", transaction_id)
            station = await uow.stations.get_by_id(transaction.station_id)
            readings = await uow.transactions.meter_values([transaction_id])
            events = await uow.transactions.events(transaction_id)
        return TransactionDetail(
            transaction=transaction,
            station_ocpp_id=station.ocpp_id if station else "",
            meter_values=readings,
            events=events,
        )
