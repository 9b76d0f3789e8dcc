"""A remote start's session, followed: the pure rules of domain/remote_start.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kilowatt.domain.command_params import RemoteStart
from kilowatt.domain.commands import Command, CommandId, CommandStatus, StartOutcome
from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.remote_start import (
    RunningSession,
    TokenRefused,
    answered,
    expect_session,
    may_be_its_session,
    missed,
    session_began,
    summary,
)
from kilowatt.domain.stations import OcppId, StationKey
from kilowatt.domain.tokens import AuthorizationStatus

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def remote_start(window: float = 60, evse_id: int | None = 1) -> Command:
    params = RemoteStart(id_tag="CARD-1", evse_id=evse_id)
    command = Command(
        organization_id=1,
        station_id=StationKey(1),
        station_ocpp_id=OcppId("CP-1"),
        operation="remote_start",
        params=params,
        requested_by="test",
        status=CommandStatus.QUEUED,
        created_at=NOW,
        timeout=30,
        id=CommandId(7),
    )
    command.params = expect_session(command, params, window)
    return command


def accepted(command: Command, at: datetime = NOW) -> Command:
    command.status = CommandStatus.ACCEPTED
    assert answered(command, True, at)
    return command


def test_a_remote_start_waits_from_the_start_and_its_window_opens_when_accepted() -> None:
    command = remote_start()
    assert (command.start_outcome, command.start_deadline) == (StartOutcome.WAITING, None)
    assert command.params == RemoteStart(id_tag="CARD-1", evse_id=1, start_window=60)
    assert summary(command) == "waiting for the station's answer"
    accepted(command)
    assert command.start_deadline == NOW + timedelta(seconds=60)
    assert summary(command).startswith("waiting for the session until 2026-06-01T12:01:00")


def test_a_refused_command_has_nothing_to_wait_for() -> None:
    command = remote_start()
    command.status = CommandStatus.REJECTED
    assert not answered(command, False, NOW)
    assert command.start_outcome is None
    assert summary(command) == ""


@pytest.mark.parametrize("window", [0, -1, 3600.5])
def test_the_window_is_bounded(window: float) -> None:
    with pytest.raises(InvalidInput) as raised:
        remote_start(window)
    assert raised.value.field == "start_window"


def test_its_session_has_its_token_on_its_evse_within_its_window() -> None:
    command = remote_start()
    command.status = CommandStatus.SENT
    # Before the answer is recorded: the start may overtake it.
    assert may_be_its_session(command, evse_id=1, id_tag="card-1", now=NOW)
    accepted(command)
    assert may_be_its_session(command, evse_id=1, id_tag="CARD-1", now=NOW + timedelta(seconds=60))
    assert not may_be_its_session(command, evse_id=2, id_tag="CARD-1", now=NOW)
    assert not may_be_its_session(command, evse_id=1, id_tag="CARD-2", now=NOW)
    assert not may_be_its_session(
        command, evse_id=1, id_tag="CARD-1", now=NOW + timedelta(seconds=61)
    )
    anywhere = accepted(remote_start(evse_id=None))
    assert may_be_its_session(anywhere, evse_id=2, id_tag="CARD-1", now=NOW)
    failed = remote_start()
    failed.status = CommandStatus.FAILED
    assert not may_be_its_session(failed, evse_id=1, id_tag="CARD-1", now=NOW)


def test_a_session_that_began_is_recorded_once_with_kilowatts_answer() -> None:
    command = accepted(remote_start())
    assert session_began(command, 41, AuthorizationStatus.ACCEPTED)
    assert (command.start_outcome, command.start_transaction_id, command.start_status) == (
        StartOutcome.STARTED,
        41,
        "Accepted",
    )
    assert summary(command) == "session 41 started"
    assert not session_began(command, 42, AuthorizationStatus.ACCEPTED)
    assert not may_be_its_session(command, evse_id=1, id_tag="CARD-1", now=NOW)
    assert not missed(command, NOW + timedelta(hours=1))

    refused = accepted(remote_start())
    assert session_began(refused, 43, AuthorizationStatus.CONCURRENT_TX)
    assert refused.start_outcome is StartOutcome.REFUSED
    assert summary(refused) == (
        "the station began session 43 but Kilowatt refused the token (ConcurrentTx): it is "
        "already charging"
    )


def test_no_session_within_the_window_is_missed_but_a_session_naming_it_still_counts() -> None:
    command = accepted(remote_start(window=1.5))
    assert not missed(command, NOW + timedelta(seconds=1))
    assert missed(command, NOW + timedelta(seconds=1.5))
    assert command.start_outcome is StartOutcome.NOT_STARTED
    assert summary(command) == "no session started within 1.5 s"
    assert not missed(command, NOW + timedelta(seconds=2))
    assert not may_be_its_session(command, evse_id=1, id_tag="CARD-1", now=NOW)
    # A 2.0.1 session names its command (remoteStartId): late, it is still its session.
    assert session_began(command, 44, AuthorizationStatus.ACCEPTED)
    assert command.start_outcome is StartOutcome.STARTED


def test_a_refused_token_says_why_and_names_the_field() -> None:
    busy = TokenRefused("CARD-1", AuthorizationStatus.CONCURRENT_TX, RunningSession(12, "CP-7", 2))
    assert busy.field == "id_tag"
    assert busy.message == "token 'CARD-1' is already charging (transaction 12 at CP-7, EVSE 2)"
    unknown = TokenRefused("X", AuthorizationStatus.UNKNOWN)
    assert unknown.message == (
        "token 'X' is not a token of this organization; register it, or send it anyway with "
        "allow_unknown"
    )
    assert TokenRefused("B", AuthorizationStatus.BLOCKED).message == "token 'B' is blocked"
