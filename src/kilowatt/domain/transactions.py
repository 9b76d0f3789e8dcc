"""Charging transactions: their state, their energy, and what makes one suspect.

Stations send what they send: messages replayed after an outage, stops for transactions we
never saw, meters that went backwards, clocks in 1970. None of it is refused (the station
would retry forever); all of it is kept and flagged for an operator to review.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from kilowatt.domain.energy_checks import is_jump
from kilowatt.domain.tokens import AuthorizationStatus


class TransactionState(StrEnum):
    ACTIVE = "active"
    """Running, charged to a token Kilowatt accepted (or, in 2.0.1, not identified yet)."""
    REFUSED = "refused"
    """Begun by the station, but Kilowatt refused its token: the station was told to stop
    (1.6 idTagInfo, 2.0.1 idTokenInfo). It stays open for the stop the station still owes, so
    that its readings are kept; it is not a running session and holds no token."""
    COMPLETED = "completed"


OPEN_STATES = (TransactionState.ACTIVE, TransactionState.REFUSED)
"""States of a transaction whose stop has not been recorded."""


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
    SEQ_GAP = "seq_gap"
    """A 2.0.1 TransactionEvent of it is missing (a hole in the seqNo)."""
    ENERGY_IMPLAUSIBLE = "energy_implausible"
    """The register rose by more than the connector could deliver in the time (a lifetime
    register after a meterStart of 0, a replaced meter): the session counts from the first
    reading after the jump."""
    STOPPED_BY_OTHER_TOKEN = "stopped_by_other_token"  # noqa: S105 (a review flag)
    """Stopped with a token unrelated to the one that started it (not the same, nor of the
    same group)."""
    UNKNOWN_CONNECTOR = "unknown_connector"
    """Started on a connector the station never reported (and no operator registered)."""
    METER_START_NEGATIVE = "meter_start_negative"
    TIMESTAMP_IN_PAST = "timestamp_in_past"
    """Taken long before it arrived: the station's clock is behind, or it was held back."""


BEGIN_CONTEXT = "Transaction.Begin"
END_CONTEXT = "Transaction.End"

# A station clock may run a little ahead; more than this is a wrong clock.
CLOCK_SKEW = timedelta(minutes=15)
# A message this much older than its arrival is suspect whatever the reason (a clock far
# behind, or a queue held back for a day: either way the record wants a look).
LATE_ARRIVAL = timedelta(hours=24)
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
    meter_start_wh: int | None
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
    meter_start_at: datetime | None = None
    """When the start reading was taken; None when it is fixed: by the protocol (1.6
    meterStart), or after an implausible jump (the first reading after it)."""
    charging_state: str | None = None
    remote_start_id: int | None = None
    offline: bool = False
    """Some of it happened while the station was offline (2.0.1 ``offline``)."""
    number_of_phases: int | None = None
    started_seq: int | None = None
    """seqNo of the 2.0.1 Started event, once received."""
    state_seq: int | None = None
    """seqNo of the event that set ``charging_state``."""
    phases_seq: int | None = None
    """seqNo of the event that set ``number_of_phases``."""
    max_power_w: int | None = None
    """The rated power of its connector, when known: what the register may plausibly rise
    by between two readings (domain/energy_checks.py)."""
    flags: list[str] = field(default_factory=list)
    id: int | None = None

    @property
    def is_active(self) -> bool:
        """Running and authorized: a session in progress."""
        return self.state is TransactionState.ACTIVE

    @property
    def is_open(self) -> bool:
        """Its stop is still to come (a running or a refused transaction)."""
        return self.state in OPEN_STATES

    @property
    def stop_received(self) -> bool:
        """The station said it ended (rather than us closing it for want of a stop)."""
        return (
            self.state is TransactionState.COMPLETED
            and ReviewFlag.NO_STOP_RECEIVED.value not in self.flags
        )


def start_key(connector: int, id_tag: str, timestamp: datetime, meter_start: int) -> str:
    """What identifies a replayed 1.6 StartTransaction: same connector (the 1.6 connectorId,
    which is the EVSE), tag, instant and meter."""
    return f"{connector}|{id_tag}|{timestamp.astimezone(UTC).isoformat()}|{meter_start}"


def timestamp_flags(
    timestamp: datetime, now: datetime, online_since: datetime | None = None
) -> list[ReviewFlag]:
    """What is wrong with a message's timestamp, received ``now``.

    ``online_since``: when the station's current connection began, if the message cannot
    have waited in an offline queue (a 2.0.1 event says ``offline``; 1.6 never does). A
    message stamped during that connection but long before it arrived shows a clock that is
    behind; one stamped before it may have waited for the connection, and is suspect only
    when it is a day late."""
    if timestamp > now + CLOCK_SKEW:
        return [ReviewFlag.TIMESTAMP_IN_FUTURE]
    if timestamp < EARLIEST_PLAUSIBLE:
        return [ReviewFlag.TIMESTAMP_TOO_OLD]
    late = now - timestamp
    if late > LATE_ARRIVAL or (
        online_since is not None and timestamp >= online_since and late > CLOCK_SKEW
    ):
        return [ReviewFlag.TIMESTAMP_IN_PAST]
    return []


def energy_delivered(meter_start_wh: int | None, meter_stop_wh: int | None) -> int | None:
    """Energy of a session; None when a reading is missing or the meter went backwards
    (replaced, reset, wrapped)."""
    if meter_start_wh is None or meter_stop_wh is None or meter_stop_wh < meter_start_wh:
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
    online_since: datetime | None = None,
    connector_known: bool = True,
    max_power_w: int | None = None,
) -> Transaction:
    flags = timestamp_flags(start_time, now, online_since)
    accepted = auth_status is AuthorizationStatus.ACCEPTED
    if not accepted:
        flags.append(ReviewFlag.NOT_AUTHORIZED)
    if meter_start_wh < 0:
        flags.append(ReviewFlag.METER_START_NEGATIVE)
    if not connector_known:
        flags.append(ReviewFlag.UNKNOWN_CONNECTOR)
    return Transaction(
        organization_id=organization_id,
        station_id=station_id,
        evse_id=evse_id,
        connector_id=connector_id,
        id_tag=id_tag,
        id_token_id=id_token_id,
        start_time=start_time,
        meter_start_wh=meter_start_wh,
        state=TransactionState.ACTIVE if accepted else TransactionState.REFUSED,
        created_at=now,
        updated_at=now,
        start_key=key,
        ocpp_transaction_id=ocpp_transaction_id,
        auth_status=auth_status.value,
        reservation_id=reservation_id,
        max_power_w=max_power_w,
        flags=merge_flags([], flags),
    )


@dataclass(frozen=True, slots=True)
class StopData:
    timestamp: datetime
    meter_stop_wh: int | None = None
    """None: the latest register reading is the stop reading (2.0.1 sends no meterStop)."""
    reason: str | None = None
    id_tag: str | None = None
    online_since: datetime | None = None
    """When the station's connection began, if the stop cannot have waited offline."""
    other_token: bool = False
    """Stopped with a token unrelated to the one that started it."""


def close_transaction(tx: Transaction, stop: StopData, now: datetime) -> bool:
    """Record the stop on ``tx``; False (and no change) when its stop was already recorded,
    so a replayed StopTransaction, or a second Ended, changes nothing."""
    if tx.stop_received:
        return False
    meter_stop = stop.meter_stop_wh if stop.meter_stop_wh is not None else tx.last_meter_wh
    flags = timestamp_flags(stop.timestamp, now, stop.online_since)
    if stop.other_token:
        flags.append(ReviewFlag.STOPPED_BY_OTHER_TOKEN)
    if stop.meter_stop_wh is not None and _rebase_on_jump(tx, stop.meter_stop_wh, stop.timestamp):
        flags.append(ReviewFlag.ENERGY_IMPLAUSIBLE)
    if stop.timestamp < tx.start_time:
        flags.append(ReviewFlag.STOP_BEFORE_START)
    energy = energy_delivered(tx.meter_start_wh, meter_stop)
    if energy is None and meter_stop is not None and tx.meter_start_wh is not None:
        flags.append(ReviewFlag.METER_STOP_BELOW_START)
    tx.state = TransactionState.COMPLETED
    tx.stop_time = stop.timestamp
    tx.meter_stop_wh = meter_stop
    tx.energy_wh = energy
    tx.stop_reason = stop.reason or StopReason.LOCAL.value
    tx.stop_id_tag = stop.id_tag
    if stop.meter_stop_wh is not None:
        # An explicit stop reading is final; a derived one (the latest reading) keeps its own
        # time, so that a reading taken before the stop but arriving after it can replace it.
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


def observe_register(
    tx: Transaction, register_wh: int, at: datetime, context: str | None = None
) -> None:
    """Take one energy-register reading of ``tx`` into account.

    The start reading is the earliest one (a 2.0.1 ``Transaction.Begin`` reading counts as
    taken at the start), unless the protocol fixed it (1.6 meterStart). The latest reading is
    kept for live energy until the station reports the stop. Late readings of a finished
    transaction may still move its start reading earlier, and so its energy.
    """
    at_start = min(at, tx.start_time) if context == BEGIN_CONTEXT else at
    moved = False
    # An end reading is never a start reading, even when it is the only one we have.
    if context != END_CONTEXT and (
        tx.meter_start_wh is None
        or (tx.meter_start_at is not None and at_start < tx.meter_start_at)
    ):
        tx.meter_start_wh = register_wh
        tx.meter_start_at = at_start
        moved = True
    if not tx.stop_received:
        if tx.last_meter_at is None or at >= tx.last_meter_at:
            if not moved and _rebase_on_jump(tx, register_wh, at):
                tx.flags = merge_flags(tx.flags, [ReviewFlag.ENERGY_IMPLAUSIBLE])
            tx.last_meter_wh = register_wh
            tx.last_meter_at = at
    elif (
        context != BEGIN_CONTEXT
        and tx.stop_time is not None
        and (tx.last_meter_at is None or tx.last_meter_at < at <= tx.stop_time)
    ):
        # The stop reading was only the latest reading known when the stop came (2.0.1 Ended
        # without one): a reading that arrives late but was taken before the stop is later.
        tx.last_meter_wh = register_wh
        tx.last_meter_at = at
        tx.meter_stop_wh = register_wh
        moved = True
    if moved and tx.stop_received:
        recheck_flags(tx)


def _rebase_on_jump(tx: Transaction, register_wh: int, at: datetime) -> bool:
    """When ``register_wh`` (read at ``at``) is more than the connector could have delivered
    since the latest reading, the session counts on from it: the energy counted so far is
    kept, the jump is not, and the start is re-based and fixed there (a late reading cannot
    move it back). True when it did."""
    if tx.meter_start_wh is None:
        return False
    if tx.last_meter_wh is not None and tx.last_meter_at is not None:
        before_wh, before_at = tx.last_meter_wh, tx.last_meter_at
    else:
        before_wh, before_at = tx.meter_start_wh, tx.meter_start_at or tx.start_time
    if at < before_at or not is_jump(register_wh - before_wh, at - before_at, tx.max_power_w):
        return False
    counted = max(before_wh - tx.meter_start_wh, 0)
    tx.meter_start_wh = register_wh - counted
    tx.meter_start_at = None
    return True


_CONSISTENCY = (ReviewFlag.STOP_BEFORE_START.value, ReviewFlag.METER_STOP_BELOW_START.value)


def recheck_flags(tx: Transaction) -> None:
    """Energy and the start/stop consistency flags of a stopped transaction, again, after a
    late event moved its start or stop (2.0.1 events may arrive in any order)."""
    tx.energy_wh = energy_delivered(tx.meter_start_wh, tx.meter_stop_wh)
    flags: list[ReviewFlag] = []
    if tx.stop_time is not None and tx.stop_time < tx.start_time:
        flags.append(ReviewFlag.STOP_BEFORE_START)
    if tx.energy_wh is None and tx.meter_start_wh is not None and tx.meter_stop_wh is not None:
        flags.append(ReviewFlag.METER_STOP_BELOW_START)
    tx.flags = merge_flags([f for f in tx.flags if f not in _CONSISTENCY], flags)


def live_energy_wh(tx: Transaction) -> int | None:
    """Energy so far: final once stopped, else the latest register reading minus the start."""
    if tx.energy_wh is not None or tx.stop_received:
        return tx.energy_wh
    if tx.last_meter_wh is None or tx.meter_start_wh is None:
        return 0 if tx.is_open else None
    return energy_delivered(tx.meter_start_wh, tx.last_meter_wh)


# OCPP 2.0.1 transaction events ----------------------------------------------------------


class TransactionEventType(StrEnum):
    STARTED = "Started"
    UPDATED = "Updated"
    ENDED = "Ended"


@dataclass(eq=False)
class TransactionEventRecord:
    """One 2.0.1 TransactionEvent as received; (transaction, seqNo) is unique."""

    transaction_id: int
    seq_no: int
    event_type: str
    trigger_reason: str
    timestamp: datetime
    received_at: datetime
    offline: bool = False
    charging_state: str | None = None
    id_tag: str | None = None
    id: int | None = None


def open_from_event(
    *,
    organization_id: int,
    station_id: int,
    ocpp_transaction_id: str,
    timestamp: datetime,
    now: datetime,
) -> Transaction:
    """A 2.0.1 transaction as first heard of. Its token and start reading may come later: a
    car can be plugged in before anyone taps a card, and events may arrive out of order."""
    return Transaction(
        organization_id=organization_id,
        station_id=station_id,
        evse_id=0,
        connector_id=0,
        id_tag="",
        start_time=timestamp,
        meter_start_wh=None,
        state=TransactionState.ACTIVE,
        created_at=now,
        updated_at=now,
        ocpp_transaction_id=ocpp_transaction_id,
        auth_status=AuthorizationStatus.UNKNOWN.value,
    )


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What a 2.0.1 TransactionEvent says about its transaction, besides token and readings."""

    event_type: TransactionEventType
    seq_no: int
    timestamp: datetime
    evse_id: int | None = None
    connector_id: int | None = None
    charging_state: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False
    number_of_phases: int | None = None


def apply_event(
    tx: Transaction, facts: EventFacts, now: datetime, online_since: datetime | None = None
) -> None:
    """Apply an event's facts in seqNo order: a Started fixes the start whenever it arrives;
    state (charging state, phases) moves only forward in seqNo, so an old event replayed late
    cannot undo a newer one. ``online_since``: when the station's connection began, for an
    event that did not wait offline (see ``timestamp_flags``)."""
    if facts.event_type is TransactionEventType.STARTED:
        tx.start_time = facts.timestamp
        tx.started_seq = facts.seq_no
        tx.flags = merge_flags(
            tx.flags,
            timestamp_flags(facts.timestamp, now, None if facts.offline else online_since),
        )
    if facts.evse_id and not tx.evse_id:
        tx.evse_id = facts.evse_id
        tx.connector_id = facts.connector_id or 0
    if facts.remote_start_id is not None:
        tx.remote_start_id = facts.remote_start_id
    if facts.reservation_id is not None:
        tx.reservation_id = facts.reservation_id
    tx.offline = tx.offline or facts.offline
    # Only an event that states the charging state moves it; an older one replayed late
    # cannot undo a newer one.
    if facts.charging_state is not None and (tx.state_seq is None or facts.seq_no >= tx.state_seq):
        tx.charging_state = facts.charging_state
        tx.state_seq = facts.seq_no
    if facts.number_of_phases is not None and (
        tx.phases_seq is None or facts.seq_no >= tx.phases_seq
    ):
        tx.number_of_phases = facts.number_of_phases
        tx.phases_seq = facts.seq_no
    if facts.event_type is TransactionEventType.STARTED and tx.stop_received:
        recheck_flags(tx)
    tx.updated_at = now


def record_authorization(
    tx: Transaction, id_tag: str, id_token_id: int | None, status: AuthorizationStatus
) -> None:
    """The token a transaction is charged to, and whether it was accepted: a refused token
    makes an open transaction a refused one, an accepted one (a second card, tapped after a
    refusal) a running one again."""
    tx.id_tag = id_tag
    tx.id_token_id = id_token_id
    tx.auth_status = status.value
    if tx.is_open:
        accepted = status is AuthorizationStatus.ACCEPTED
        tx.state = TransactionState.ACTIVE if accepted else TransactionState.REFUSED
    kept = [f for f in tx.flags if f != ReviewFlag.NOT_AUTHORIZED.value]
    tx.flags = merge_flags(
        kept, [] if status is AuthorizationStatus.ACCEPTED else [ReviewFlag.NOT_AUTHORIZED]
    )


def has_seq_gap(seen: set[int], started_seq: int | None) -> bool:
    """True while an event is missing between the first (the Started event, or seqNo 0 when
    none came yet) and the highest seqNo received. Costs O(n log n) in the events received,
    whatever their seqNo values."""
    if not seen:
        return False
    ordered = sorted(seen)
    low = min(ordered[0], started_seq if started_seq is not None else 0)
    if ordered[0] != low:
        return True
    return any(b - a > 1 for a, b in itertools.pairwise(ordered))


def mark_seq_gap(tx: Transaction, gap: bool) -> None:
    kept = [f for f in tx.flags if f != ReviewFlag.SEQ_GAP.value]
    tx.flags = merge_flags(kept, [ReviewFlag.SEQ_GAP] if gap else [])
