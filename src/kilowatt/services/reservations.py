"""Reservations: made by a reserve_now command, used by a transaction, or they lapse."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from kilowatt.domain.command_params import CancelReservation, ReserveNow
from kilowatt.domain.commands import Command, CommandStatus, Outcome
from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.reservations import (
    OPEN,
    Reservation,
    ReservationStatus,
    effective_status,
    settle,
)
from kilowatt.domain.tokens import IdTokenType
from kilowatt.domain.transactions import Transaction
from kilowatt.domain.users import Principal
from kilowatt.services.base import Service, station_in_scope
from kilowatt.services.commands import CommandService, Hook
from kilowatt.services.ports import UnitOfWork

# How a station's refusal reads on the reservation (1.6 and 2.0.1 ReserveNow statuses).
_REFUSALS = {"Faulted", "Occupied", "Rejected", "Unavailable"}


@dataclass(frozen=True, slots=True)
class ReservationView:
    reservation: Reservation
    station_ocpp_id: str
    status: ReservationStatus
    """As of now: an open reservation past its expiry is expired."""


class ReservationService(Service):
    def install(self, remote: CommandService) -> None:
        remote.register(Hook(ReserveNow, self._prepare_reserve, self._reserved))
        remote.register(Hook(CancelReservation, self._prepare_cancel, self._cancelled))

    async def _prepare_reserve(
        self, uow: UnitOfWork, command: Command, params: ReserveNow, now: datetime
    ) -> ReserveNow:
        if params.expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        reservation = await uow.reservations.add(
            Reservation(
                organization_id=command.organization_id,
                station_id=command.station_id,
                evse_id=params.evse_id,
                connector_id=params.connector_id,
                id_tag=params.id_tag,
                expires_at=params.expires_at,
                status=ReservationStatus.PENDING,
                created_at=now,
                updated_at=now,
            )
        )
        token_type = params.id_token_type
        if not token_type:
            token = await uow.tokens.find(command.organization_id, reservation.id_tag)
            token_type = (token.type if token else IdTokenType.ISO14443).value
        return replace(params, reservation_id=reservation.id, id_token_type=token_type)

    async def _reserved(
        self, uow: UnitOfWork, command: Command, params: ReserveNow, outcome: Outcome, now: datetime
    ) -> None:
        if params.reservation_id is None:
            return
        reservation = await uow.reservations.get(params.reservation_id)
        if reservation is None:
            return
        if outcome.status is CommandStatus.ACCEPTED:
            settle(reservation, ReservationStatus.ACTIVE, now)
        elif command.sent_at is not None and outcome.response is None:
            # Sent but never answered: the station may hold it or not. It stays pending (and
            # lapses at its expiry) rather than be called rejected.
            reservation.reason = outcome.error[:100]
            reservation.updated_at = now
        else:
            answer = (outcome.response or {}).get("status")
            reason = answer if answer in _REFUSALS else outcome.error or outcome.status.value
            settle(reservation, ReservationStatus.REJECTED, now, str(reason)[:100])

    async def _prepare_cancel(
        self, uow: UnitOfWork, command: Command, params: CancelReservation, now: datetime
    ) -> CancelReservation:
        reservation_id = params.reservation_id
        reservation = await uow.reservations.get(reservation_id)
        if reservation is None or reservation.station_id != command.station_id:
            raise NotFound("reservation", reservation_id)
        if reservation.status not in OPEN:
            raise InvalidInput("reservation_id", f"reservation is {reservation.status.value}")
        return params

    async def _cancelled(
        self,
        uow: UnitOfWork,
        command: Command,
        params: CancelReservation,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        if outcome.status is not CommandStatus.ACCEPTED:
            return
        reservation = await uow.reservations.get(params.reservation_id)
        if reservation is not None:
            settle(reservation, ReservationStatus.CANCELLED, now)

    async def station_update(
        self, station_id: int, reservation_id: int, status: ReservationStatus
    ) -> None:
        """The station says a reservation expired or was removed (2.0.1)."""
        async with self.uow() as uow:
            reservation = await uow.reservations.get(reservation_id)
            if reservation is None or reservation.station_id != station_id:
                return
            settle(reservation, status, self.clock.now())
            await uow.commit()

    async def search(
        self, principal: Principal, page: PageRequest, ocpp_id: str | None = None
    ) -> Page[ReservationView]:
        now = self.clock.now()
        scope = principal.scope
        async with self.uow(readonly=True) as uow:
            station_id = None
            if ocpp_id is not None:
                station_id = (await station_in_scope(uow, scope, ocpp_id)).id
            found = await uow.reservations.search(scope, page, station_id)
            names = await uow.stations.identities({r.station_id for r in found.items})
        return Page(
            items=[
                ReservationView(r, names.get(r.station_id, ""), effective_status(r, now))
                for r in found.items
            ],
            next_cursor=found.next_cursor,
        )

    async def get(self, principal: Principal, reservation_id: int) -> ReservationView:
        async with self.uow(readonly=True) as uow:
            reservation = await uow.reservations.get_for_org(principal.scope, reservation_id)
            if reservation is None:
                raise NotFound("reservation", reservation_id)
            names = await uow.stations.identities({reservation.station_id})
        return ReservationView(
            reservation,
            names.get(reservation.station_id, ""),
            effective_status(reservation, self.clock.now()),
        )


async def use_reservation(
    uow: UnitOfWork, transaction: Transaction, reservation_id: int, now: datetime
) -> None:
    """A transaction started on a reservation of its station: the reservation is used."""
    reservation = await uow.reservations.get(reservation_id)
    if reservation is None or reservation.station_id != transaction.station_id:
        return
    if settle(reservation, ReservationStatus.USED, now):
        reservation.transaction_id = transaction.id
