"""Billing: a finished session is priced once, its CDR written, a prepaid wallet charged.

It runs when a session ends (the TransactionEnded event, on the node where it ended) and,
for whatever that missed (a crash between the stop and the bill), from the unbilled-sessions
job. The CDR's bill key (``cdr:<transaction>``) is unique: a replayed StopTransaction, a
second node or a retry finds the session billed and charges nothing more; the wallet's
charge has the same key.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import structlog

from kilowatt.domain.cdrs import Cdr, CdrKind, credit, lines_json
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.live import TransactionEnded
from kilowatt.domain.live_money import SessionBilled, WalletChanged
from kilowatt.domain.metering import register_readings
from kilowatt.domain.money import check_currency
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.pricing import PricedSession, SessionPricer, timeline
from kilowatt.domain.transactions import Transaction, TransactionState
from kilowatt.domain.users import Principal
from kilowatt.domain.wallets import EntryKind
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import (
    BillingContext,
    Clock,
    EventPublisher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from kilowatt.services.tariffs import tariff_in_force
from kilowatt.services.wallets import post

log = structlog.get_logger(__name__)

BILLING_ACTOR = "billing"
UNBILLED_GRACE = timedelta(minutes=2)
"""The job leaves a session this long to the event that bills it as it ends."""


class CdrService(Service):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher, currency: str = "EUR"
    ) -> None:
        super().__init__(uow, clock, bus)
        self.currency = check_currency(currency)
        self._tasks: set[asyncio.Task[None]] = set()

    # -- billing -------------------------------------------------------------------------

    def on_ended(self, event: TransactionEnded) -> None:
        """Bus subscriber: bill the session in the background (never in the OCPP answer)."""
        task = asyncio.get_running_loop().create_task(
            self._bill_quietly(event.transaction_id), name=f"bill-{event.transaction_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the bills under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _bill_quietly(self, transaction_id: int) -> None:
        try:
            await self.bill(transaction_id)
        except Exception:
            # The unbilled-sessions job tries again.
            log.exception("billing failed", transaction_id=transaction_id)

    async def bill(self, transaction_id: int, station: str = "") -> Cdr | None:
        """The session's CDR, written now if it is not yet; None while it is still open."""
        key = f"cdr:{transaction_id}"
        try:
            async with self.uow() as uow:
                existing = await uow.cdrs.by_key(key)
                if existing is not None:
                    return existing
                found = await uow.transactions.by_ids({transaction_id})
                if not found or found[0].state is not TransactionState.COMPLETED:
                    return None
                tx = found[0]
                context = await uow.cdrs.context(transaction_id)
                if context is None:
                    return None
                cdr = await self._price(uow, tx, context)
                cdr = await uow.cdrs.add(cdr)
                charged = None
                wallet = None
                if context.wallet_id is not None and cdr.total_incl_vat > 0:
                    wallet = await uow.wallets.get_by_id(context.wallet_id, lock=True)
                    if wallet is not None and wallet.currency == cdr.currency:
                        charged = await post(
                            uow,
                            wallet,
                            EntryKind.CHARGE,
                            cdr.total_incl_vat,
                            key,
                            BILLING_ACTOR,
                            self.clock.now(),
                            f"session {transaction_id}",
                            transaction_id,
                        )
                        cdr.wallet_id = wallet.id
                ocpp_id = station or await self._station(uow, tx.station_id)
                await uow.commit()
        except Conflict:
            # Billed meanwhile by another node or a retry: that bill stands.
            async with self.uow() as uow:
                return await uow.cdrs.by_key(key)
        self.bus.publish(SessionBilled.of(ocpp_id, cdr))
        if charged is not None and wallet is not None:
            self.bus.publish(WalletChanged.of(wallet, charged))
        return cdr

    async def _station(self, uow: UnitOfWork, station_id: int) -> str:
        station = await uow.stations.get_by_id(station_id)
        return station.ocpp_id if station is not None else ""

    async def _price(self, uow: UnitOfWork, tx: Transaction, context: BillingContext) -> Cdr:
        assert tx.id is not None
        assert tx.stop_time is not None
        records = await uow.transactions.meter_values([tx.id])
        samples = [r.sample for r in records]
        register = [(at, wh) for at, _, wh in register_readings(samples)]
        signed = [s.raw for s in samples if s.value is None and s.raw]
        meter_start = tx.meter_start_wh
        if meter_start is None:
            meter_start = min((wh for _, wh in register), default=0)
        meter_stop = tx.meter_stop_wh
        if tx.energy_wh is not None:
            meter_stop = meter_start + tx.energy_wh
        readings = timeline(tx.start_time, meter_start, register, tx.stop_time, meter_stop)
        priced: PricedSession | None = None
        tariff_id = None
        found = await tariff_in_force(uow, context, tx.evse_id)
        if found is not None:
            tariff_id, versions = found
            pricer = SessionPricer(versions, context.timezone, tx.start_time)
            for reading in readings:
                pricer.add(reading)
            priced = pricer.price()
        energy = readings[-1].energy_wh
        duration = int((tx.stop_time - tx.start_time).total_seconds())
        return Cdr(
            organization_id=context.organization_id,
            transaction_id=tx.id,
            station_id=tx.station_id,
            evse_id=tx.evse_id,
            site_id=context.site_id,
            id_tag=tx.id_tag,
            tariff_id=tariff_id,
            currency=priced.currency if priced else self.currency,
            start=tx.start_time,
            stop=tx.stop_time,
            meter_start_wh=tx.meter_start_wh,
            meter_stop_wh=tx.meter_stop_wh,
            energy_wh=priced.energy_wh if priced else energy,
            charging_s=priced.charging_s if priced else duration,
            parking_s=priced.parking_s if priced else 0,
            total_excl_vat=priced.total_excl_vat if priced else Decimal(0),
            vat_percent=priced.vat_percent if priced else Decimal(0),
            vat=priced.vat if priced else Decimal(0),
            total_incl_vat=priced.total_incl_vat if priced else Decimal(0),
            lines=lines_json(priced) if priced else [],
            tariff_versions=list(priced.versions) if priced else [],
            created_at=self.clock.now(),
            signed_meter_data=signed,
        )

    async def bill_unbilled(self, limit: int = 200) -> int:
        """Bill the sessions that ended a while ago without a CDR; how many were billed."""
        async with self.uow() as uow:
            waiting = await uow.cdrs.unbilled(self.clock.now() - UNBILLED_GRACE, limit)
        billed = 0
        for transaction_id in waiting:
            if await self.bill(transaction_id) is not None:
                billed += 1
        return billed

    # -- reading and correcting ----------------------------------------------------------

    async def get(self, principal: Principal, cdr_id: int) -> Cdr:
        async with self.uow() as uow:
            cdr = await uow.cdrs.get(principal.organization_id, cdr_id)
        if cdr is None:
            raise NotFound("cdr", cdr_id)
        return cdr

    async def for_transaction(self, principal: Principal, transaction_id: int) -> list[Cdr]:
        async with self.uow() as uow:
            tx = await uow.transactions.get(principal.scope, transaction_id)
            if tx is None:
                raise NotFound("transaction", transaction_id)
            return await uow.cdrs.for_transactions([transaction_id])

    async def search(
        self,
        principal: Principal,
        page: PageRequest,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[Cdr]:
        async with self.uow() as uow:
            return await uow.cdrs.search(principal.organization_id, page, since, until)

    async def credit(self, principal: Principal, cdr_id: int, reason: str) -> Cdr:
        """A credit record negating the CDR (which stays as it was); a prepaid wallet gets
        the charge back as a refund-like adjustment entry."""
        if not reason.strip():
            raise InvalidInput("reason", "a correction says why")
        now = self.clock.now()
        async with self.uow() as uow:
            cdr = await uow.cdrs.get(principal.organization_id, cdr_id)
            if cdr is None or cdr.kind is not CdrKind.CDR:
                raise NotFound("cdr", cdr_id)
            note = await uow.cdrs.add(credit(cdr, reason.strip(), now))
            back = None
            wallet = None
            if cdr.wallet_id is not None:
                wallet = await uow.wallets.get_by_id(cdr.wallet_id, lock=True)
                charge = None
                if wallet is not None:
                    charge = await uow.wallets.entry_by_key(
                        wallet.id or 0, f"cdr:{cdr.transaction_id}"
                    )
                if wallet is not None and charge is not None and charge.amount < 0:
                    back = await post(
                        uow,
                        wallet,
                        EntryKind.ADJUSTMENT,
                        -charge.amount,
                        f"credit:{cdr.id}",
                        principal.name,
                        now,
                        f"credit of session {cdr.transaction_id}: {reason.strip()}",
                        cdr.transaction_id,
                    )
            await record(
                uow, principal, "credit", "cdr", cdr_id, {"reason": reason.strip()}, at=now
            )
            await uow.commit()
        if back is not None and wallet is not None:
            self.bus.publish(WalletChanged.of(wallet, back))
        return note
