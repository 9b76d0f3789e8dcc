"""The catalogue of live events: one frozen dataclass per thing that happened, with the topic
it travels under and its typed fields.

Services publish these on the bus after their unit of work commits; the SSE streams
(``/live``, ``/api/v1/events``), the OCPP server and the Redis relay subscribe, and so will
billing, webhooks, load management and roaming. An event is about a station
(``StationLiveEvent``: ``station`` is its OCPP identity) or a whole organization
(``OrganizationLiveEvent``), which is how a stream decides who may see it (services/live.py).
``domain/live_codec.py`` turns an event into the JSON object it has on the wire and back;
``docs/events.md`` is generated from here (``python -m kilowatt.domain.live_doc``).

Each field is ``Annotated`` with what it means (the document reads it); a field marked
``ABSENT_WHEN_NONE`` is left out of the wire object rather than sent as null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from kilowatt.domain.commands import CommandStatus, StartOutcome
from kilowatt.domain.connector_states import ConnectorState
from kilowatt.domain.firmware import CampaignStatus, UpdateStatus
from kilowatt.domain.live_base import (
    ABSENT_WHEN_NONE,
    CONNECTOR,
    ENERGY,
    EVSE,
    TRANSACTION,
    LiveEvent,
    OrganizationLiveEvent,
    StationLiveEvent,
)
from kilowatt.domain.live_faults import FaultClosed, FaultOpened
from kilowatt.domain.live_loads import (
    SessionLimited,
    SiteLoadChanged,
    SiteMeterBack,
    SiteMeterSilent,
)
from kilowatt.domain.live_money import SessionBilled, SessionCostUpdated, WalletChanged
from kilowatt.domain.metering import SampledValue
from kilowatt.domain.stations import Connector, RegistrationStatus
from kilowatt.domain.transactions import Transaction, TransactionState, live_energy_wh

__all__ = [
    "ABSENT_WHEN_NONE",
    "BY_TOPIC",
    "CATALOGUE",
    "FaultClosed",
    "FaultOpened",
    "LiveEvent",
    "OrganizationLiveEvent",
    "SessionBilled",
    "SessionCostUpdated",
    "SessionLimited",
    "SiteLoadChanged",
    "SiteMeterBack",
    "SiteMeterSilent",
    "StationLiveEvent",
    "WalletChanged",
]

# Stations ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StationOnlineChanged(StationLiveEvent):
    """A station connected (``online`` true) or went offline: its connection closed, or the
    node holding it stopped or stopped answering."""

    topic = "station.online"
    online: Annotated[bool, "whether it is connected now"]


@dataclass(frozen=True, slots=True)
class StationBooted(StationLiveEvent):
    """A station sent BootNotification and was answered."""

    topic = "station.boot"
    status: Annotated[RegistrationStatus, "the answer it got"]


@dataclass(frozen=True, slots=True)
class StationRegistrationChanged(StationLiveEvent):
    """An operator changed a station's registration status (the node holding its connection
    answers a newly accepted station by asking it to boot again)."""

    topic = "station.registration"
    registration_status: Annotated[RegistrationStatus, "the new status"]


@dataclass(frozen=True, slots=True)
class StationDeleted(StationLiveEvent):
    """An operator deleted a station (the node holding its connection closes it)."""

    topic = "station.deleted"


@dataclass(frozen=True, slots=True)
class DeviceModelReported(StationLiveEvent):
    """A 2.0.1 station reported (part of) its device model (NotifyReport)."""

    topic = "station.device_model"
    count: Annotated[int, "how many variables this report held"]


@dataclass(frozen=True, slots=True)
class FirmwareStatusReported(StationLiveEvent):
    """A station reported the progress of a firmware update (FirmwareStatusNotification,
    1.6 SignedFirmwareStatusNotification, 2.0.1 PublishFirmwareStatusNotification)."""

    topic = "station.firmware_status"
    status: Annotated[str, "the status as the station said it (Downloading, Installed...)"]


@dataclass(frozen=True, slots=True)
class DiagnosticsStatusReported(StationLiveEvent):
    """A station reported the progress of a diagnostics or log upload
    (DiagnosticsStatusNotification, LogStatusNotification)."""

    topic = "station.diagnostics_status"
    status: Annotated[str, "the status as the station said it (Uploading, Uploaded...)"]


@dataclass(frozen=True, slots=True)
class ConnectorStatusChanged(StationLiveEvent):
    """A connector's status or neutral state changed: a status report, or (2.0.1) its
    transaction starting, ending or changing its charging state. With EVSE 0 the report is
    about the whole station, which has no state."""

    topic = "connector.status"
    evse_id: Annotated[int, EVSE]
    connector_id: Annotated[int, CONNECTOR]
    status: Annotated[str, "what the station said, in its own word (1.6 or 2.0.1)"]
    state: Annotated[
        ConnectorState | None,
        "what it is doing, in the same words whatever the OCPP version",
        ABSENT_WHEN_NONE,
    ]
    error_code: Annotated[str, "the station's error code (NoError when none)"]

    @classmethod
    def of(cls, station: str, connector: Connector) -> ConnectorStatusChanged:
        """The connector as stored (its station is connected: it just spoke)."""
        return cls(
            station=station,
            evse_id=connector.evse_id,
            connector_id=connector.connector_id,
            status=connector.status,
            state=ConnectorState(connector.state or ConnectorState.UNKNOWN),
            error_code=connector.error_code,
        )


# Meter values and transactions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeterValuesReported(StationLiveEvent):
    """A station reported readings: MeterValues, a 2.0.1 TransactionEvent carrying them."""

    topic = "meter.values"
    evse_id: Annotated[int, EVSE]
    connector_id: Annotated[int, CONNECTOR]
    transaction_id: Annotated[int | None, TRANSACTION + ", null when none"]
    energy_wh: Annotated[int | None, "the transaction's " + ENERGY]
    values: Annotated[
        Mapping[str, float],
        "the readings: measurand (with `.phase` when per phase) → value in Wh, W, V, A, %, °C",
    ]
    measured_at: Annotated[
        datetime | None, "when the station took the latest of them (its clock), null if none"
    ] = None

    @classmethod
    def of(
        cls,
        station: str,
        evse_id: int,
        connector_id: int,
        transaction: Transaction | None,
        samples: Iterable[SampledValue],
    ) -> MeterValuesReported:
        """The readable samples of one report (a signed or unreadable one has no value)."""
        samples = tuple(samples)
        return cls(
            station=station,
            evse_id=evse_id,
            connector_id=connector_id,
            transaction_id=transaction.id if transaction else None,
            energy_wh=live_energy_wh(transaction) if transaction else None,
            values={
                s.measurand + (f".{s.phase}" if s.phase else ""): s.value
                for s in samples
                if s.value is not None
            },
            measured_at=max((s.timestamp for s in samples), default=None),
        )


@dataclass(frozen=True, slots=True)
class TransactionLifecycle(StationLiveEvent):
    """A transaction began, changed or ended (subscribe to this for all three)."""

    transaction_id: Annotated[int, TRANSACTION]
    evse_id: Annotated[int, EVSE]
    connector_id: Annotated[int, CONNECTOR]
    id_tag: Annotated[str, "the token it is charged to (empty until one is known)"]
    energy_wh: Annotated[int | None, ENERGY]


@dataclass(frozen=True, slots=True)
class TransactionStarted(TransactionLifecycle):
    """A transaction began: 1.6 StartTransaction, 2.0.1 TransactionEvent(Started); its token
    may have been refused (then it is open, but not a running session)."""

    topic = "transaction.started"

    @classmethod
    def of(cls, station: str, transaction: Transaction) -> TransactionStarted:
        return cls(station, *_transaction_fields(transaction))


@dataclass(frozen=True, slots=True)
class TransactionUpdated(TransactionLifecycle):
    """A running 2.0.1 transaction changed other than by its energy: its charging state, the
    token it is charged to (or that token's acceptance), or the EVSE it runs on, by a
    TransactionEvent(Updated). Its energy moves with ``meter.values``; a 1.6 station says its
    charging state through its connector's status (``connector.status``)."""

    topic = "transaction.updated"
    state: Annotated[TransactionState, "active, or refused (its token was not accepted)"]
    charging_state: Annotated[
        str | None, "the 2.0.1 chargingState (Charging, SuspendedEV...), null when not said"
    ]

    @classmethod
    def of(cls, station: str, transaction: Transaction) -> TransactionUpdated:
        return cls(
            station,
            *_transaction_fields(transaction),
            state=transaction.state,
            charging_state=transaction.charging_state,
        )


@dataclass(frozen=True, slots=True)
class TransactionEnded(TransactionLifecycle):
    """A transaction ended: 1.6 StopTransaction, 2.0.1 TransactionEvent(Ended), including a
    stop for a transaction Kilowatt never saw begin."""

    topic = "transaction.ended"

    @classmethod
    def of(cls, station: str, transaction: Transaction) -> TransactionEnded:
        return cls(station, *_transaction_fields(transaction))


def _transaction_fields(tx: Transaction) -> tuple[int, int, int, str, int | None]:
    assert tx.id is not None
    return tx.id, tx.evse_id, tx.connector_id, tx.id_tag, live_energy_wh(tx)


def transaction_progress(tx: Transaction) -> tuple[object, ...]:
    """What ``transaction.updated`` is about: when this differs before and after an Updated
    event, the event is published."""
    return tx.state, tx.charging_state, tx.id_tag, tx.evse_id, tx.connector_id


# Commands ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandFinished(StationLiveEvent):
    """A command to a station got its final status (answered, failed or timed out)."""

    topic = "command.finished"
    command_id: Annotated[int, "the command (as in /api/v1/commands/{id})"]
    operation: Annotated[str, "what it asked (remote_start, reset...)"]
    status: Annotated[CommandStatus, "how it ended"]


@dataclass(frozen=True, slots=True)
class RemoteStartOutcome(StationLiveEvent):
    """What became of a remote start's session: the station began one (with a token Kilowatt
    accepted or refused), or none began within the window."""

    topic = "remote_start.outcome"
    command_id: Annotated[int, "the remote start command"]
    evse_id: Annotated[int | None, "the EVSE it named, null when it let the station choose"]
    outcome: Annotated[StartOutcome, "what became of it"]
    transaction_id: Annotated[int | None, "the session the station began, null when none"]
    authorization_status: Annotated[
        str | None, "Kilowatt's answer to that session's token (Accepted, Blocked...)"
    ]
    window: Annotated[float, "seconds the session had to begin after the station accepted"]


# Firmware and diagnostics ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FirmwareUpdateProgressed(StationLiveEvent):
    """A station's firmware update moved on (a status report said how far it got)."""

    topic = "firmware.update"
    update_id: Annotated[int, "the update (as in /api/v1/stations/{id}/firmware-updates)"]
    campaign_id: Annotated[int | None, "its campaign, null for a single update"]
    status: Annotated[UpdateStatus, "where it is now"]


@dataclass(frozen=True, slots=True)
class FirmwareCampaignChanged(OrganizationLiveEvent):
    """A firmware campaign moved on: rolled out to the rest, completed, halted or cancelled."""

    topic = "firmware.campaign"
    campaign_id: Annotated[int, "the campaign (as in /api/v1/firmware-campaigns)"]
    status: Annotated[CampaignStatus, "where it is now"]


@dataclass(frozen=True, slots=True)
class DiagnosticsUploaded(StationLiveEvent):
    """A station's diagnostics or log file arrived and was stored."""

    topic = "diagnostics.uploaded"
    station_id: Annotated[int, "Kilowatt's id of the station"]
    upload_id: Annotated[int, "the upload (as in /api/v1/stations/{id}/diagnostics)"]
    size: Annotated[int, "the file's size in bytes"]


CATALOGUE: tuple[type[LiveEvent], ...] = (
    StationOnlineChanged,
    StationBooted,
    StationRegistrationChanged,
    StationDeleted,
    DeviceModelReported,
    FirmwareStatusReported,
    DiagnosticsStatusReported,
    ConnectorStatusChanged,
    MeterValuesReported,
    TransactionStarted,
    TransactionUpdated,
    TransactionEnded,
    CommandFinished,
    RemoteStartOutcome,
    FirmwareUpdateProgressed,
    FirmwareCampaignChanged,
    DiagnosticsUploaded,
    FaultOpened,
    FaultClosed,
    SessionCostUpdated,
    SessionBilled,
    WalletChanged,
    SiteLoadChanged,
    SessionLimited,
    SiteMeterSilent,
    SiteMeterBack,
)
"""Every event type, in the order docs/events.md lists them."""

BY_TOPIC: Mapping[str, type[LiveEvent]] = {kind.topic: kind for kind in CATALOGUE}
