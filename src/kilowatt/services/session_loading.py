"""What a running session's live cost starts from, read once: its tariff versions, its site's
zone, a prepaid wallet, what its station shows (services/session_costs.py keeps it in memory
from there), and the readings it has stored so far."""

from __future__ import annotations

from kilowatt.domain.metering import register_readings
from kilowatt.domain.pricing import Reading, SessionPricer, timeline
from kilowatt.domain.session_costs import RunningCost, enabled
from kilowatt.domain.transactions import Transaction
from kilowatt.domain.wallets import Wallet
from kilowatt.services.ports import UnitOfWork
from kilowatt.services.tariffs import tariff_in_force


async def load_running(
    uow: UnitOfWork, tx: Transaction
) -> tuple[RunningCost, Wallet | None] | None:
    """The session's cost at its start, and the prepaid wallet it is paid from (if its currency
    is the tariff's); None when the session has no billing context."""
    assert tx.id is not None
    context = await uow.cdrs.context(tx.id)
    if context is None:
        return None
    pricer = None
    tariff_id = None
    versions = None
    wallet = None
    in_force = await tariff_in_force(uow, context, tx.evse_id)
    if in_force is not None:
        tariff_id, versions = in_force
        pricer = SessionPricer(versions, context.timezone, tx.start_time)
    texts: dict[str, str] = {}
    if versions:
        texts = dict(versions[-1].texts)
    if pricer is not None and context.wallet_id is not None:
        paying = await uow.wallets.get_by_id(context.wallet_id)
        if paying is not None and paying.currency == pricer.currency:
            wallet = paying
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
        balance=wallet.balance if wallet is not None else None,
        station_transaction_id=tx.ocpp_transaction_id,
        shows_cost=shows_cost,
        tariff_text=texts if shows_tariff else {},
    )
    running.add(Reading(tx.start_time, 0))
    return running, wallet


async def stored_readings(uow: UnitOfWork, tx: Transaction) -> list[Reading]:
    """The session's readings so far, from its stored meter values (one query)."""
    assert tx.id is not None
    records = await uow.transactions.meter_values([tx.id])
    register = [(at, wh) for at, _, wh in register_readings([r.sample for r in records])]
    meter_start = tx.meter_start_wh
    if meter_start is None:
        meter_start = min((wh for _, wh in register), default=0)
    return timeline(tx.start_time, meter_start, register)
