"""Keeping each connector's neutral state (domain/connector_states.py) with what its station
says: on a status report (ProvisioningService.status), and when a 2.0.1 transaction's
charging state moves or the transaction ends (TransactionService), since a 2.0.1 station says
Occupied for all of it. These run inside the caller's unit of work; the caller publishes
``connector.status`` after its commit (``publish_state``)."""

from __future__ import annotations

from kilowatt.domain.connector_states import (
    EvseSession,
    after_status,
    connector_state,
)
from kilowatt.domain.live import ConnectorStatusChanged
from kilowatt.domain.stations import Connector, ConnectorStatus
from kilowatt.domain.transactions import Transaction, TransactionState
from kilowatt.services.ports import EventPublisher, UnitOfWork


async def running_session(
    uow: UnitOfWork, station_id: int, evse_id: int, ended: Transaction | None = None
) -> EvseSession | None:
    """The EVSE's running transaction (the newest, should there be several), as the state of
    an Occupied connector needs it; ``ended``, just ended in this unit of work, is not."""
    running = [
        t
        for t in await uow.transactions.open_on_evse(station_id, evse_id)
        if t.is_active and t is not ended
    ]
    if not running:
        return None
    return EvseSession(max(running, key=lambda t: t.start_time).charging_state)


async def settle_state(
    uow: UnitOfWork, connector: Connector, before_status: str, before_state: str
) -> bool:
    """The state after a status report was applied to ``connector`` (its status and state
    before it given); True when it moved."""
    session = None
    if connector.status == ConnectorStatus.OCCUPIED.value:
        session = await running_session(uow, connector.station_id, connector.evse_id)
    state = after_status(before_status, before_state, connector.status, session).value
    moved = state != connector.state
    connector.state = state
    return moved


async def follow_transaction(uow: UnitOfWork, transaction: Transaction) -> list[Connector]:
    """The occupied connectors of a 2.0.1 transaction's EVSE follow its charging state, and
    turn finishing when it ends while they stay occupied. Returns those whose state moved.
    A transaction that ended while another runs on the EVSE leaves them to that one."""
    if not transaction.evse_id:
        return []
    session: EvseSession | None = EvseSession(transaction.charging_state)
    if transaction.state is TransactionState.REFUSED:
        # Its card was refused: no session runs on it (unless another does).
        session = await running_session(
            uow, transaction.station_id, transaction.evse_id, transaction
        )
    elif not transaction.is_active:
        session = await running_session(
            uow, transaction.station_id, transaction.evse_id, transaction
        )
        if session is None:
            session = EvseSession(transaction.charging_state, ended=True)
    moved = []
    for connector in await uow.connectors.for_station(transaction.station_id):
        if (
            connector.evse_id != transaction.evse_id
            or (transaction.connector_id and connector.connector_id != transaction.connector_id)
            or connector.status != ConnectorStatus.OCCUPIED.value
        ):
            continue
        state = connector_state(connector.status, session).value
        if state != connector.state:
            connector.state = state
            moved.append(connector)
    return moved


def publish_state(bus: EventPublisher, ocpp_id: str, connector: Connector) -> None:
    """``connector.status``: what the station said and the neutral state (the station is
    connected: it just spoke)."""
    bus.publish(ConnectorStatusChanged.of(ocpp_id, connector))
