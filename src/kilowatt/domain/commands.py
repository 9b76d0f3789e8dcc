"""Commands an operator sends to a station, and their lifecycle.

A command is version-neutral: an ``operation`` with its parameters (domain/command_params.py).
The OCPP edge of the node that holds the station's socket turns it into the CALL of the
station's protocol version, and the answer back into an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from kilowatt.domain.command_params import CommandParams, decode_params, encode_params
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.operations import ONLY_IN as ONLY_IN
from kilowatt.domain.operations import Operation as Operation
from kilowatt.domain.operations import check_available as check_available
from kilowatt.domain.stations import OcppId, StationKey

CommandId = NewType("CommandId", int)
"""A command's id; it doubles as the requestId of 2.0.1 requests."""


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


@dataclass(eq=False)
class Command:
    organization_id: int
    station_id: StationKey
    station_ocpp_id: OcppId
    operation: str
    params: CommandParams
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
    id: CommandId | None = None

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

    command_id: CommandId
    station_ocpp_id: OcppId
    params: CommandParams
    timeout: float = 30.0

    @property
    def operation(self) -> Operation:
        return self.params.operation

    def as_dict(self) -> dict[str, Any]:
        return {
            "command_id": self.command_id,
            "station_ocpp_id": self.station_ocpp_id,
            "operation": self.operation.value,
            "params": encode_params(self.params),
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandRequest:
        return cls(
            command_id=CommandId(int(data["command_id"])),
            station_ocpp_id=OcppId(str(data["station_ocpp_id"])),
            params=decode_params(str(data["operation"]), data.get("params") or {}),
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
