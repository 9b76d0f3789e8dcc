"""Charging transactions: their state, their energy, and what makes one suspect.

Stations send what they send: messages replayed after an outage, stops for transactions we
never saw, meters that went backwards, clocks in 1970. None of it is refused (the station
would retry forever); all of it is kept and flagged for an operator to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from kilowatt.domain.tokens import AuthorizationStatus


class TransactionState(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


class ReviewFlag(StrEnum):
    UNKNOWN_TRANSACTION = "unknown_transaction"
    """A stop (or meter values) for a transaction this CSMS never started."""
    METER_STOP_BELOW_START = "meter_stop_below_start"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    STOP_BEFORE_START = "stop_before_start"
    NO_STOP_RECEIVED = "no_stop_received"
    """A new transaction began on the connector before this one was stopped."""
    NOT_AUTHORIZED = "not_authorized"
    """It started although its token was not accepted."""


# A station clock may run a little ahead; more than this is a wrong clock.
CLOCK_SKEW = timedelta(minutes=15)
# OCPP 1.6 was published in 2015: a charging session before 2010 is a clock that was never set.
EARLIEST_PLAUSIBLE = datetime.fromisoformat("2010-01-01T00:00:00+00:00")


class StopReason(StrEnum):
    """Union of the 1.6 Reason and the 2.0.1 ReasonEnumType."""

    DE_AUTHORIZED = "DeAuthorized"
    EMERGENCY_STOP = "EmergencyStop"
    ENERGY_LIMIT_REACHED = "EnergyLimitReached"
    EV_DISCONNECTED = "EVDisconnected"
    GROUND_FAULT = "GroundFault"
    HARD_RESET = "HardReset"
    IMMEDIATE_RESET = "ImmediateReset"
    LOCAL = "Local"
    LOCAL_OUT_OF_CREDIT = "LocalOutOfCredit"
    MASTER_PASS = "MasterPass"  # noqa: S105 (an OCPP stop reason, not a secret)
    OTHER = "Other"
    OVERCURRENT_FAULT = "OvercurrentFault"
    POWER_LOSS = "PowerLoss"
    POWER_QUALITY = "PowerQuality"
    REBOOT = "Reboot"
    REMOTE = "Remote"
    SOC_LIMIT_REACHED = "SOCLimitReached"
    SOFT_RESET = "SoftReset"
    STOPPED_BY_EV = "StoppedByEV"
    TIME_LIMIT_REACHED = "TimeLimitReached"
    TIMEOUT = "Timeout"
    UNLOCK_COMMAND = "UnlockCommand"


@dataclass(eq=False)
class Transaction:
    organization_id: int
    station_id: int
    evse_id: int
    connector_id: int
    id_tag: str
    start_time: datetime
    meter_start_wh: int
    state: TransactionState
    created_at: datetime
    updated_at: datetime
    ocpp_transaction_id: str | None = None
    start_key: str | None = None
    id_token_id: int | None = None
    auth_status: str = AuthorizationStatus.ACCEPTED.value
    reservation_id: int | None = None
    stop_time: datetime | None = None
    meter_stop_wh: int | None = None
    energy_wh: int | None = None
    stop_reason: str | None = None
    stop_id_tag: str | None = None
    last_meter_wh: int | None = None
    last_meter_at: datetime | None = None
    flags: list[str] = field(default_factory=list)
    id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.state is TransactionState.ACTIVE

    @property
    def stop_received(self) -> bool:
        return self.meter_stop_wh is not None


def start_key(connector_id: int, id_tag: str, timestamp: datetime, meter_start: int) -> str:
    """What identifies a replayed 1.6 StartTransaction: same connector, tag, time and meter."""
    return f"{connector_id}|{id_tag}|{timestamp.isoformat()}|{meter_start}"


def timestamp_flags(timestamp: datetime, now: datetime) -> list[ReviewFlag]:
    if timestamp > now + CLOCK_SKEW:
        return [ReviewFlag.TIMESTAMP_IN_FUTURE]
    if timestamp < EARLIEST_PLAUSIBLE:
        return [ReviewFlag.TIMESTAMP_TOO_OLD]
    return []


def energy_delivered(meter_start_wh: int, meter_stop_wh: int) -> int | None:
    """Energy of a session; None when the meter went backwards (replaced, reset, wrapped)."""
    if meter_stop_wh < meter_start_wh:
        return None
    return meter_stop_wh - meter_start_wh


def merge_flags(existing: list[str], new: list[ReviewFlag]) -> list[str]:
    merged = list(existing)
    for flag in new:
        if flag.value not in merged:
            merged.append(flag.value)
    return merged


def open_transaction(
    *,
    organization_id: int,
    station_id: int,
    evse_id: int,
    connector_id: int,
    id_tag: str,
    id_token_id: int | None,
    start_time: datetime,
    meter_start_wh: int,
    auth_status: AuthorizationStatus,
    now: datetime,
    key: str | None = None,
    ocpp_transaction_id: str | None = None,
    reservation_id: int | None = None,
) -> Transaction:
    flags = timestamp_flags(start_time, now)
    if auth_status is not AuthorizationStatus.ACCEPTED:
        flags.append(ReviewFlag.NOT_AUTHORIZED)
    return Transaction(
        organization_id=organization_id,
        station_id=station_id,
        evse_id=evse_id,
        connector_id=connector_id,
        id_tag=id_tag,
        id_token_id=id_token_id,
        start_time=start_time,
        meter_start_wh=meter_start_wh,
        state=TransactionState.ACTIVE,
        created_at=now,
        updated_at=now,
        start_key=key,
        ocpp_transaction_id=ocpp_transaction_id,
        auth_status=auth_status.value,
        reservation_id=reservation_id,
        flags=merge_flags([], flags),
    )


@dataclass(frozen=True, slots=True)
class StopData:
    timestamp: datetime
    meter_stop_wh: int
    reason: str | None = None
    id_tag: str | None = None


def close_transaction(tx: Transaction, stop: StopData, now: datetime) -> bool:
    """Record the stop on ``tx``; False (and no change) when its stop was already recorded,
    so a replayed StopTransaction changes nothing."""
    if tx.stop_received:
        return False
    flags = timestamp_flags(stop.timestamp, now)
    if stop.timestamp < tx.start_time:
        flags.append(ReviewFlag.STOP_BEFORE_START)
    energy = energy_delivered(tx.meter_start_wh, stop.meter_stop_wh)
    if energy is None:
        flags.append(ReviewFlag.METER_STOP_BELOW_START)
    tx.state = TransactionState.COMPLETED
    tx.stop_time = stop.timestamp
    tx.meter_stop_wh = stop.meter_stop_wh
    tx.energy_wh = energy
    tx.stop_reason = stop.reason or StopReason.LOCAL.value
    tx.stop_id_tag = stop.id_tag
    tx.last_meter_wh = stop.meter_stop_wh
    tx.last_meter_at = stop.timestamp
    # A late stop completes a transaction closed for want of one: the flag no longer holds.
    kept = [f for f in tx.flags if f != ReviewFlag.NO_STOP_RECEIVED.value]
    tx.flags = merge_flags(kept, flags)
    tx.updated_at = now
    return True


def orphan_stop(
    *,
    organization_id: int,
    station_id: int,
    ocpp_transaction_id: str,
    stop: StopData,
    now: datetime,
) -> Transaction:
    """A stop for a transaction we never started: kept as a completed, flagged record whose
    start is unknown (start = stop, meter start = meter stop, energy unknown)."""
    flags = [ReviewFlag.UNKNOWN_TRANSACTION, *timestamp_flags(stop.timestamp, now)]
    return Transaction(
        organization_id=organization_id,
        station_id=station_id,
        evse_id=0,
        connector_id=0,
        id_tag=stop.id_tag or "",
        start_time=stop.timestamp,
        meter_start_wh=stop.meter_stop_wh,
        state=TransactionState.COMPLETED,
        created_at=now,
        updated_at=now,
        ocpp_transaction_id=ocpp_transaction_id,
        auth_status=AuthorizationStatus.UNKNOWN.value,
        stop_time=stop.timestamp,
        meter_stop_wh=stop.meter_stop_wh,
        energy_wh=None,
        stop_reason=stop.reason or StopReason.OTHER.value,
        stop_id_tag=stop.id_tag,
        last_meter_wh=stop.meter_stop_wh,
        last_meter_at=stop.timestamp,
        flags=merge_flags([], flags),
    )


def supersede(tx: Transaction, now: datetime) -> None:
    """A newer transaction started on the same connector before ``tx`` was stopped.

    ``tx`` is closed with what we know (its last reading), flagged, and may still take a
    late StopTransaction, which then completes it properly.
    """
    tx.state = TransactionState.COMPLETED
    tx.stop_reason = StopReason.OTHER.value
    if tx.last_meter_wh is not None and tx.last_meter_at is not None:
        tx.stop_time = tx.last_meter_at
        tx.energy_wh = energy_delivered(tx.meter_start_wh, tx.last_meter_wh)
    tx.flags = merge_flags(tx.flags, [ReviewFlag.NO_STOP_RECEIVED])
    tx.updated_at = now


def note_meter(tx: Transaction, register_wh: int, at: datetime) -> bool:
    """Remember the latest register reading of a running transaction (for live energy)."""
    if tx.last_meter_at is not None and at < tx.last_meter_at:
        return False
    tx.last_meter_wh = register_wh
    tx.last_meter_at = at
    return True


def live_energy_wh(tx: Transaction) -> int | None:
    """Energy so far: final once stopped, else the latest register reading minus the start."""
    if tx.energy_wh is not None or tx.stop_received:
        return tx.energy_wh
    if tx.last_meter_wh is None:
        return 0 if tx.is_active else None
    return energy_delivered(tx.meter_start_wh, tx.last_meter_wh)
