"""What a connector is doing, in one vocabulary whatever the station's OCPP version.

A 1.6 station says Charging where a 2.0.1 station says Occupied and tells the rest in its
TransactionEvents (chargingState). The domain, the API and the pages speak the neutral
states below; the station's own word is kept beside them (``Connector.status``), for
integrators and the message log.

From what the station said (``connector_state``):

* 1.6: each status directly; SuspendedEV and SuspendedEVSE are ``suspended``.
* 2.0.1: Available, Reserved, Unavailable and Faulted directly. Occupied depends on the
  EVSE's transaction: chargingState Charging is ``charging``; SuspendedEV and SuspendedEVSE
  ``suspended``; EVConnected, Idle, or no transaction yet ``preparing``; a transaction that
  ended while the cable is still in ``finishing``.
* A station that is not connected: ``offline``, whatever its connectors last said
  (``shown_state``).
* A connector its station never reported: ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kilowatt.domain.stations import ConnectorStatus


class ConnectorState(StrEnum):
    AVAILABLE = "available"
    PREPARING = "preparing"
    """A vehicle is plugged in (or a driver identified) but no energy flows yet."""
    CHARGING = "charging"
    SUSPENDED = "suspended"
    """A session runs but the vehicle or the station holds the energy back."""
    FINISHING = "finishing"
    """The session ended; the cable is still in."""
    RESERVED = "reserved"
    UNAVAILABLE = "unavailable"
    FAULTED = "faulted"
    OFFLINE = "offline"
    """Its station is not connected."""
    UNKNOWN = "unknown"
    """Its station has not reported it yet."""


IN_USE = frozenset(
    {
        ConnectorState.PREPARING,
        ConnectorState.CHARGING,
        ConnectorState.SUSPENDED,
        ConnectorState.FINISHING,
    }
)
"""A vehicle is at the connector."""


class ChargingState(StrEnum):
    """2.0.1 ChargingStateEnumType: what the EVSE's transaction is doing."""

    CHARGING = "Charging"
    EV_CONNECTED = "EVConnected"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    IDLE = "Idle"


@dataclass(frozen=True, slots=True)
class EvseSession:
    """What an Occupied (2.0.1) connector's state depends on: its EVSE's transaction."""

    charging_state: str | None
    ended: bool = False
    """It ended while the connector stayed occupied."""


_DIRECT = {
    ConnectorStatus.AVAILABLE: ConnectorState.AVAILABLE,
    ConnectorStatus.PREPARING: ConnectorState.PREPARING,
    ConnectorStatus.CHARGING: ConnectorState.CHARGING,
    ConnectorStatus.SUSPENDED_EV: ConnectorState.SUSPENDED,
    ConnectorStatus.SUSPENDED_EVSE: ConnectorState.SUSPENDED,
    ConnectorStatus.FINISHING: ConnectorState.FINISHING,
    ConnectorStatus.RESERVED: ConnectorState.RESERVED,
    ConnectorStatus.UNAVAILABLE: ConnectorState.UNAVAILABLE,
    ConnectorStatus.FAULTED: ConnectorState.FAULTED,
    ConnectorStatus.UNKNOWN: ConnectorState.UNKNOWN,
}

_CHARGING_STATES = {
    ChargingState.CHARGING.value: ConnectorState.CHARGING,
    ChargingState.SUSPENDED_EV.value: ConnectorState.SUSPENDED,
    ChargingState.SUSPENDED_EVSE.value: ConnectorState.SUSPENDED,
    ChargingState.EV_CONNECTED.value: ConnectorState.PREPARING,
    ChargingState.IDLE.value: ConnectorState.PREPARING,
}


def connector_state(status: str, session: EvseSession | None = None) -> ConnectorState:
    """The neutral state of what a station said of a connector (``status``, its own word)
    and, for 2.0.1 Occupied, of the EVSE's transaction (None: none yet)."""
    try:
        said = ConnectorStatus(status)
    except ValueError:
        return ConnectorState.UNKNOWN
    if said is not ConnectorStatus.OCCUPIED:
        return _DIRECT[said]
    if session is None:
        return ConnectorState.PREPARING
    if session.ended:
        return ConnectorState.FINISHING
    return _CHARGING_STATES.get(session.charging_state or "", ConnectorState.PREPARING)


def after_status(
    before_status: str, before_state: str, status: str, session: EvseSession | None
) -> ConnectorState:
    """The state after a status report, ``session`` being the EVSE's running transaction.
    A connector still occupied after its transaction ended stays finishing when the station
    says Occupied again (say, after reconnecting): the vehicle has not left."""
    if (
        session is None
        and status == ConnectorStatus.OCCUPIED.value
        and before_status == ConnectorStatus.OCCUPIED.value
        and before_state == ConnectorState.FINISHING.value
    ):
        return ConnectorState.FINISHING
    return connector_state(status, session)


def shown_state(state: str, online: bool) -> ConnectorState:
    """What a connector is doing as people see it: offline when its station is not
    connected."""
    if not online:
        return ConnectorState.OFFLINE
    try:
        return ConnectorState(state)
    except ValueError:
        return ConnectorState.UNKNOWN
