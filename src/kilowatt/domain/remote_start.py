"""A remote start, from Kilowatt's check of its token to the session the station began.

Before it is sent, the token is checked as the station's start would be checked: known to the
organization, not blocked, expired or invalid, allowed at that station now by the access rules,
and not already charging elsewhere. A station told to start for a token Kilowatt then refuses
has begun a session for nothing.

Once sent, the command waits for its session (``Command.start_outcome``). A 2.0.1 station
names the command in the session's events (remoteStartId = the command id). A 1.6 station
cannot: its session is the first that begins with the token asked, on the connector asked,
while the command waits, that is from the moment it is sent until the window after the
station accepted it closes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from kilowatt.domain.command_params import RemoteStart
from kilowatt.domain.commands import Command, CommandStatus, StartOutcome
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.tokens import AuthorizationStatus

MAX_WINDOW = 3600.0
"""Longest window an operator may give a remote start (seconds)."""

FOLLOWED = frozenset({CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.ACCEPTED})
"""Commands whose session may still begin. A station may start before its answer to the
command has been recorded: the answer and the start travel on different paths."""


@dataclass(frozen=True, slots=True)
class RunningSession:
    """Where a token is already charging."""

    transaction_id: int
    station_ocpp_id: str
    evse_id: int


_REASONS = {
    AuthorizationStatus.UNKNOWN: "is not a token of this organization",
    AuthorizationStatus.BLOCKED: "is blocked",
    AuthorizationStatus.EXPIRED: "has expired",
    AuthorizationStatus.INVALID: "is not valid",
    AuthorizationStatus.NOT_AT_THIS_LOCATION: "may not charge at this station (access rules)",
    AuthorizationStatus.NOT_AT_THIS_TIME: "may not charge at this station at this time "
    "(access rules)",
    AuthorizationStatus.CONCURRENT_TX: "is already charging",
    AuthorizationStatus.NO_CREDIT: "is prepaid and its wallet has too little credit",
}


def refusal(value: str, status: AuthorizationStatus, running: RunningSession | None) -> str:
    text = f"token {value!r} {_REASONS.get(status, status.value)}"
    if status is AuthorizationStatus.UNKNOWN:
        text += "; register it, or send it anyway with allow_unknown"
    if running is not None:
        text += (
            f" (transaction {running.transaction_id} at {running.station_ocpp_id}, "
            f"EVSE {running.evse_id})"
        )
    return text


class TokenRefused(InvalidInput):
    """A remote start for a token Kilowatt would refuse at that station: nothing is sent."""

    def __init__(
        self, value: str, status: AuthorizationStatus, running: RunningSession | None = None
    ) -> None:
        super().__init__("id_tag", refusal(value, status, running))
        self.value = value
        self.status = status
        self.running = running


def check_window(seconds: float) -> float:
    if not 0 < seconds <= MAX_WINDOW:
        raise InvalidInput("start_window", f"between 0 and {MAX_WINDOW:g} seconds")
    return seconds


def expect_session(command: Command, params: RemoteStart, window: float) -> RemoteStart:
    """A remote start about to be sent waits for its session: its parameters with the window."""
    checked = check_window(window)
    command.start_outcome = StartOutcome.WAITING
    return replace(params, start_window=checked)


def start_params(command: Command) -> RemoteStart | None:
    """The parameters of a remote start (None for any other command)."""
    return command.params if isinstance(command.params, RemoteStart) else None


def window_of(command: Command) -> float:
    params = start_params(command)
    return (params.start_window or 0.0) if params is not None else 0.0


def answered(command: Command, accepted: bool, now: datetime) -> bool:
    """The station answered the command. Accepted, the window opens (True); refused, there is
    no session to wait for. A session that began before the answer was recorded stays."""
    if command.start_outcome is not StartOutcome.WAITING:
        return False
    if not accepted:
        command.start_outcome = None
        return False
    command.start_deadline = now + timedelta(seconds=window_of(command))
    return True


def may_be_its_session(command: Command, *, evse_id: int, id_tag: str, now: datetime) -> bool:
    """Whether a session beginning now with ``id_tag`` on ``evse_id`` is the one ``command``
    waits for (1.6 idTags compare without case)."""
    if command.start_outcome is not StartOutcome.WAITING or command.status not in FOLLOWED:
        return False
    if command.start_deadline is not None and now > command.start_deadline:
        return False
    params = start_params(command)
    if params is None or params.id_tag.lower() != id_tag.lower():
        return False
    return not params.evse_id or params.evse_id == evse_id


def session_began(command: Command, transaction_id: int, status: AuthorizationStatus) -> bool:
    """Its session began, and Kilowatt gave its token ``status``. A session named by the
    command itself (2.0.1 remoteStartId) counts even after the window closed."""
    if command.start_outcome not in (StartOutcome.WAITING, StartOutcome.NOT_STARTED):
        return False
    accepted = status is AuthorizationStatus.ACCEPTED
    command.start_outcome = StartOutcome.STARTED if accepted else StartOutcome.REFUSED
    command.start_transaction_id = transaction_id
    command.start_status = status.value
    return True


def missed(command: Command, now: datetime) -> bool:
    """The window closed without a session."""
    if (
        command.start_outcome is not StartOutcome.WAITING
        or command.start_deadline is None
        or now < command.start_deadline
    ):
        return False
    command.start_outcome = StartOutcome.NOT_STARTED
    return True


def summary(command: Command) -> str:
    """What became of the session, in a sentence (the API's words)."""
    outcome = command.start_outcome
    if outcome is StartOutcome.WAITING:
        if command.start_deadline is None:
            return "waiting for the station's answer"
        return f"waiting for the session until {command.start_deadline.isoformat()}"
    if outcome is StartOutcome.STARTED:
        return f"session {command.start_transaction_id} started"
    if outcome is StartOutcome.REFUSED:
        status = AuthorizationStatus(command.start_status or AuthorizationStatus.UNKNOWN)
        reason = _REASONS.get(status, status.value)
        return (
            f"the station began session {command.start_transaction_id} but Kilowatt refused "
            f"the token ({status.value}): it {reason}"
        )
    if outcome is StartOutcome.NOT_STARTED:
        return f"no session started within {window_of(command):g} s"
    return ""
