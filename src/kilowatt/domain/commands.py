"""Commands an operator sends to a station, and their lifecycle.

A command is version-neutral: an ``operation`` with ``params``. The OCPP edge of the node that
holds the station's socket turns it into the CALL of the station's protocol version, and the
answer back into an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kilowatt.domain.errors import InvalidInput


class CommandStatus(StrEnum):
    QUEUED = "queued"
    """Recorded, waiting for the station's one outstanding CALL to finish."""
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    """The station answered, and said no (Rejected, NotSupported, Occupied...)."""
    FAILED = "failed"
    """No usable answer: offline, connection lost, CALLERROR, or a request we could not build."""
    TIMED_OUT = "timed_out"


FINAL_STATUSES = frozenset(
    {
        CommandStatus.ACCEPTED,
        CommandStatus.REJECTED,
        CommandStatus.FAILED,
        CommandStatus.TIMED_OUT,
    }
)


class StartOutcome(StrEnum):
    """What became of a remote start once sent: did the station begin a session?"""

    WAITING = "waiting"
    """Sent, or accepted by the station: no session has begun yet."""
    STARTED = "started"
    """A session began and Kilowatt accepted its token."""
    REFUSED = "refused"
    """A session began but Kilowatt refused its token (``start_status`` says why)."""
    NOT_STARTED = "not_started"
    """No session began within the command's window."""


class Operation(StrEnum):
    REMOTE_START = "remote_start"
    REMOTE_STOP = "remote_stop"
    RESET = "reset"
    CHANGE_AVAILABILITY = "change_availability"
    UNLOCK_CONNECTOR = "unlock_connector"
    GET_CONFIGURATION = "get_configuration"
    CHANGE_CONFIGURATION = "change_configuration"
    GET_VARIABLES = "get_variables"
    SET_VARIABLES = "set_variables"
    GET_BASE_REPORT = "get_base_report"
    GET_REPORT = "get_report"
    TRIGGER_MESSAGE = "trigger_message"
    CLEAR_CACHE = "clear_cache"
    DATA_TRANSFER = "data_transfer"
    SEND_LOCAL_LIST = "send_local_list"
    GET_LOCAL_LIST_VERSION = "get_local_list_version"
    RESERVE_NOW = "reserve_now"
    CANCEL_RESERVATION = "cancel_reservation"
    SET_CHARGING_PROFILE = "set_charging_profile"
    CLEAR_CHARGING_PROFILE = "clear_charging_profile"
    GET_COMPOSITE_SCHEDULE = "get_composite_schedule"
    GET_CHARGING_PROFILES = "get_charging_profiles"
    SET_DISPLAY_MESSAGE = "set_display_message"
    GET_DISPLAY_MESSAGES = "get_display_messages"
    CLEAR_DISPLAY_MESSAGE = "clear_display_message"
    UPDATE_FIRMWARE = "update_firmware"
    GET_DIAGNOSTICS = "get_diagnostics"
    VENDOR = "vendor"
    # Security (1.6 security extension, 2.0.1 block A and M)
    ROTATE_PASSWORD = "rotate_password"  # noqa: S105 (an operation name)
    """A new random HTTP Basic password, sent to the station (1.6 AuthorizationKey, 2.0.1
    BasicAuthPassword); the old one works until the station accepts the new one."""
    INSTALL_CERTIFICATE = "install_certificate"
    DELETE_CERTIFICATE = "delete_certificate"
    GET_INSTALLED_CERTIFICATE_IDS = "get_installed_certificate_ids"
    EXTENDED_TRIGGER_MESSAGE = "extended_trigger_message"
    GET_LOG = "get_log"
    SIGNED_UPDATE_FIRMWARE = "signed_update_firmware"


# Operations that exist in one protocol version only; every other operation exists in both.
ONLY_IN: dict[Operation, str] = {
    Operation.GET_CONFIGURATION: "1.6",
    Operation.CHANGE_CONFIGURATION: "1.6",
    Operation.GET_VARIABLES: "2.0.1",
    Operation.SET_VARIABLES: "2.0.1",
    Operation.GET_BASE_REPORT: "2.0.1",
    Operation.GET_REPORT: "2.0.1",
    Operation.GET_CHARGING_PROFILES: "2.0.1",
    Operation.SET_DISPLAY_MESSAGE: "2.0.1",
    Operation.GET_DISPLAY_MESSAGES: "2.0.1",
    Operation.CLEAR_DISPLAY_MESSAGE: "2.0.1",
    Operation.EXTENDED_TRIGGER_MESSAGE: "1.6",
}


def check_available(operation: Operation, protocol_version: str | None) -> None:
    only = ONLY_IN.get(operation)
    if only is not None and protocol_version is not None and protocol_version != only:
        raise InvalidInput(
            "operation",
            f"{operation.value} is an OCPP {only} operation; this station speaks "
            f"OCPP {protocol_version}",
        )


@dataclass(eq=False)
class Command:
    organization_id: int
    station_id: int
    station_ocpp_id: str
    operation: str
    params: dict[str, Any]
    requested_by: str
    status: CommandStatus
    created_at: datetime
    timeout: float
    action: str = ""
    """The OCPP action it became (RemoteStartTransaction, RequestStartTransaction...)."""
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    """What the answer says, version-neutral (the Outcome's data)."""
    error: str = ""
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    start_outcome: StartOutcome | None = None
    """Remote starts only: what became of the session it asked for (domain/remote_start.py)."""
    start_transaction_id: int | None = None
    """The session the station began for it."""
    start_status: str | None = None
    """Kilowatt's answer to that session's token (an AuthorizationStatus value)."""
    start_deadline: datetime | None = None
    """Once the station accepted: the session must begin by then."""
    id: int | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class Outcome:
    status: CommandStatus
    response: dict[str, Any] | None = None
    """The station's answer as it sent it."""
    error: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """What the answer says, version-neutral (configuration read, list version...)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "response": self.response,
            "error": self.error,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            status=CommandStatus(data["status"]),
            response=data.get("response"),
            error=str(data.get("error") or ""),
            data=dict(data.get("data") or {}),
        )


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """What travels to the node holding the socket (possibly over Redis)."""

    command_id: int
    station_ocpp_id: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    timeout: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "command_id": self.command_id,
            "station_ocpp_id": self.station_ocpp_id,
            "operation": self.operation,
            "params": self.params,
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandRequest:
        return cls(
            command_id=int(data["command_id"]),
            station_ocpp_id=str(data["station_ocpp_id"]),
            operation=str(data["operation"]),
            params=dict(data.get("params") or {}),
            timeout=float(data.get("timeout", 30.0)),
        )


def sent(command: Command, action: str, request: dict[str, Any], at: datetime) -> None:
    if command.done:
        return
    command.status = CommandStatus.SENT
    command.action = action
    command.request = request
    command.sent_at = at


def finish(command: Command, outcome: Outcome, at: datetime) -> bool:
    """Record the outcome once; False when the command had already finished."""
    if command.done:
        return False
    if outcome.status not in FINAL_STATUSES:
        raise InvalidInput("status", f"{outcome.status.value} is not a final status")
    command.status = outcome.status
    command.response = outcome.response
    command.result = outcome.data or None
    command.error = outcome.error
    command.completed_at = at
    return True
