"""Charging sessions: start, meter, stop, and the queries over them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kilowatt.domain.errors import Conflict, NotFound
from kilowatt.domain.metering import MeterRecord, SampledValue, energy_register_wh
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.stations import StationRef
from kilowatt.domain.tokens import AuthorizationDecision, AuthorizationStatus, authorize
from kilowatt.domain.transactions import (
    StopData,
    Transaction,
    close_transaction,
    live_energy_wh,
    note_meter,
    open_transaction,
    orphan_stop,
    start_key,
    supersede,
)
from kilowatt.services.base import Service
from kilowatt.services.ports import TransactionFilter, UnitOfWork


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
class TransactionView:
    transaction: Transaction
    station_ocpp_id: str
    meter_values: list[MeterRecord] | None = None


@dataclass(frozen=True, slots=True)
class TransactionDetail:
    transaction: Transaction
    station_ocpp_id: str
    meter_values: list[MeterRecord]


class TransactionService(Service):
    async def start(self, ref: StationRef, request: StartRequest) -> StartResult:
        """Open a transaction and give it a system-wide id.

        A replay (same connector, tag, timestamp and meter start) gets the id it got the first
        time and creates nothing. A token that may not charge still gets a transaction (the
        station has begun one and needs an id to stop it) with the refusal recorded.
        """
        key = start_key(
            request.connector_id, request.id_tag, request.timestamp, request.meter_start_wh
        )
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
            existing = await uow.transactions.by_start_key(ref.id, key)
            if existing is not None:
                assert existing.id is not None
                status = AuthorizationStatus(existing.auth_status)
                return StartResult(existing.id, AuthorizationDecision(status), replayed=True)
            token = await uow.tokens.find(ref.organization_id, request.id_tag)
            busy = await uow.transactions.token_in_transaction(ref.organization_id, request.id_tag)
            decision = authorize(token, now, in_other_transaction=busy)
            stale = await uow.transactions.open_on_connector(
                ref.id, request.evse_id, request.connector_id
            )
            for old in stale:
                supersede(old, now)
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
                )
            )
            await uow.commit()
        assert transaction.id is not None
        self.bus.publish(
            "transaction.started",
            {
                "station": ref.ocpp_id,
                "transaction_id": transaction.id,
                "evse_id": request.evse_id,
                "connector_id": request.connector_id,
                "id_tag": request.id_tag,
            },
        )
        return StartResult(transaction.id, decision, replayed=False)

    async def stop(self, ref: StationRef, request: StopRequest) -> StopResult:
        """Close a transaction. A replay changes nothing; a stop for a transaction we never
        started is kept, flagged, so that no energy reading is lost."""
        now = self.clock.now()
        stop = StopData(
            timestamp=request.timestamp,
            meter_stop_wh=request.meter_stop_wh,
            reason=request.reason,
            id_tag=request.id_tag,
        )
        async with self.uow() as uow:
            decision = None
            if request.id_tag:
                token = await uow.tokens.find(ref.organization_id, request.id_tag)
                decision = authorize(token, now)
            transaction = await self._find_for_stop(uow, ref, request.transaction_id)
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
            if changed:
                await uow.transactions.add_meter_values(
                    [
                        MeterRecord(
                            station_id=ref.id,
                            evse_id=transaction.evse_id,
                            connector_id=transaction.connector_id,
                            transaction_id=transaction.id,
                            sample=sample,
                        )
                        for sample in request.samples
                    ]
                )
                await uow.commit()
        if changed:
            self.bus.publish(
                "transaction.ended",
                {
                    "station": ref.ocpp_id,
                    "transaction_id": transaction.id,
                    "evse_id": transaction.evse_id,
                    "connector_id": transaction.connector_id,
                    "energy_wh": transaction.energy_wh,
                },
            )
        return StopResult(transaction.id, decision, replayed=not changed, unknown=unknown)

    @staticmethod
    async def _find_for_stop(
        uow: UnitOfWork, ref: StationRef, transaction_id: int
    ) -> Transaction | None:
        transaction = await uow.transactions.get(ref.organization_id, transaction_id)
        if transaction is not None and transaction.station_id == ref.id:
            return transaction
        # A stop we kept earlier for a transaction we never started: its replay.
        return await uow.transactions.by_ocpp_id(ref.id, str(transaction_id))

    async def record_meter_values(
        self,
        ref: StationRef,
        evse_id: int,
        connector_id: int,
        transaction_id: int | None,
        samples: Sequence[SampledValue],
    ) -> None:
        """Store readings in one batch. Readings naming a transaction of another station, or
        none we know, are kept against the station alone."""
        async with self.uow() as uow:
            transaction = None
            if transaction_id is not None:
                transaction = await self._find_for_stop(uow, ref, transaction_id)
            register = energy_register_wh(list(samples))
            if transaction is not None and transaction.is_active and register is not None:
                note_meter(transaction, register, max(s.timestamp for s in samples))
            await uow.transactions.add_meter_values(
                [
                    MeterRecord(
                        station_id=ref.id,
                        evse_id=evse_id,
                        connector_id=connector_id,
                        transaction_id=transaction.id if transaction else None,
                        sample=sample,
                    )
                    for sample in samples
                ]
            )
            await uow.commit()
        live = {
            s.measurand + (f".{s.phase}" if s.phase else ""): s.value
            for s in samples
            if s.value is not None
        }
        self.bus.publish(
            "meter.values",
            {
                "station": ref.ocpp_id,
                "evse_id": evse_id,
                "connector_id": connector_id,
                "transaction_id": transaction.id if transaction else None,
                "energy_wh": live_energy_wh(transaction) if transaction else None,
                "values": live,
            },
        )

    # Queries -------------------------------------------------------------------------------

    async def search(
        self,
        organization_id: int,
        page: PageRequest,
        where: TransactionFilter,
        station_ocpp_id: str | None = None,
        with_meter_values: bool = False,
    ) -> Page[TransactionView]:
        async with self.uow(readonly=True) as uow:
            if station_ocpp_id is not None:
                station = await uow.stations.get(organization_id, station_ocpp_id)
                if station is None:
                    return Page(items=[], next_cursor=None)
                where = replace(where, station_id=station.id)
            found = await uow.transactions.search(organization_id, page, where)
            names = await uow.stations.identities({t.station_id for t in found.items})
            readings: dict[int, list[MeterRecord]] | None = None
            if with_meter_values:
                readings = {t.id: [] for t in found.items if t.id is not None}
                ids = list(readings)
                for record in await uow.transactions.meter_values(ids):
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

    async def get(self, organization_id: int, transaction_id: int) -> TransactionDetail:
        async with self.uow(readonly=True) as uow:
            transaction = await uow.transactions.get(organization_id, transaction_id)
            if transaction is None:
                raise NotFound("transaction", transaction_id)
            station = await uow.stations.get_by_id(transaction.station_id)
            readings = await uow.transactions.meter_values([transaction_id])
        return TransactionDetail(
            transaction=transaction,
            station_ocpp_id=station.ocpp_id if station else "",
            meter_values=readings,
        )
