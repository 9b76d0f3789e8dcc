"""The authorization decision for an id token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilowatt.domain.tokens import (
    AuthorizationDecision,
    AuthorizationStatus,
    IdToken,
    IdTokenType,
    TokenStatus,
    authorize,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def token(
    status: TokenStatus = TokenStatus.ACCEPTED,
    *,
    expires_at: datetime | None = None,
    group_id: int | None = None,
) -> IdToken:
    return IdToken(
        organization_id=1,
        value="04A2B3C4D5",
        type=IdTokenType.ISO14443,
        status=status,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
        expires_at=expires_at,
        group_id=group_id,
    )


@pytest.mark.parametrize("in_other_transaction", [False, True])
def test_unknown_token_is_unknown(in_other_transaction: bool) -> None:
    # Version-neutral Unknown: 2.0.1 says so, the 1.6 edge says Invalid (see test_translate16)
    decision = authorize(None, NOW, in_other_transaction=in_other_transaction)
    assert decision == AuthorizationDecision(AuthorizationStatus.UNKNOWN)
    assert not decision.accepted


def test_accepted_token_is_accepted() -> None:
    decision = authorize(token(), NOW)
    assert decision.status is AuthorizationStatus.ACCEPTED
    assert decision.accepted


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TokenStatus.ACCEPTED, AuthorizationStatus.ACCEPTED),
        (TokenStatus.BLOCKED, AuthorizationStatus.BLOCKED),
        (TokenStatus.EXPIRED, AuthorizationStatus.EXPIRED),
        (TokenStatus.INVALID, AuthorizationStatus.INVALID),
    ],
)
def test_every_token_status_maps_to_its_answer(
    status: TokenStatus, expected: AuthorizationStatus
) -> None:
    decision = authorize(token(status), NOW)
    assert decision.status is expected
    assert decision.accepted is (expected is AuthorizationStatus.ACCEPTED)


def test_every_token_status_is_covered() -> None:
    answers = {authorize(token(status), NOW).status for status in TokenStatus}
    assert answers == {
        AuthorizationStatus.ACCEPTED,
        AuthorizationStatus.BLOCKED,
        AuthorizationStatus.EXPIRED,
        AuthorizationStatus.INVALID,
    }


def test_expiry_exactly_now_is_expired() -> None:
    assert authorize(token(expires_at=NOW), NOW).status is AuthorizationStatus.EXPIRED


def test_expiry_just_past_is_expired() -> None:
    assert authorize(token(expires_at=NOW - TICK), NOW).status is AuthorizationStatus.EXPIRED


def test_expiry_just_ahead_is_accepted() -> None:
    assert authorize(token(expires_at=NOW + TICK), NOW).status is AuthorizationStatus.ACCEPTED


def test_expiry_compares_instants_not_wall_clocks() -> None:
    # 13:00 at +03:00 is 10:00 UTC, before NOW (12:00 UTC) although its wall clock is later
    east = datetime(2024, 5, 1, 13, 0, tzinfo=timezone(timedelta(hours=3)))
    assert authorize(token(expires_at=east), NOW).status is AuthorizationStatus.EXPIRED
    # 11:00 at -02:00 is 13:00 UTC, after NOW although its wall clock is earlier
    west = datetime(2024, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=-2)))
    assert authorize(token(expires_at=west), NOW).status is AuthorizationStatus.ACCEPTED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TokenStatus.BLOCKED, AuthorizationStatus.BLOCKED),
        (TokenStatus.INVALID, AuthorizationStatus.INVALID),
        (TokenStatus.EXPIRED, AuthorizationStatus.EXPIRED),
    ],
)
def test_operator_status_wins_over_expiry_date(
    status: TokenStatus, expected: AuthorizationStatus
) -> None:
    decision = authorize(token(status, expires_at=NOW - timedelta(days=1)), NOW)
    assert decision.status is expected


def test_concurrent_tx_when_otherwise_accepted() -> None:
    decision = authorize(token(), NOW, in_other_transaction=True)
    assert decision.status is AuthorizationStatus.CONCURRENT_TX
    assert not decision.accepted


def test_concurrent_tx_with_future_expiry() -> None:
    decision = authorize(token(expires_at=NOW + timedelta(days=1)), NOW, in_other_transaction=True)
    assert decision.status is AuthorizationStatus.CONCURRENT_TX


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TokenStatus.BLOCKED, AuthorizationStatus.BLOCKED),
        (TokenStatus.EXPIRED, AuthorizationStatus.EXPIRED),
        (TokenStatus.INVALID, AuthorizationStatus.INVALID),
    ],
)
def test_concurrent_tx_never_hides_a_refusal(
    status: TokenStatus, expected: AuthorizationStatus
) -> None:
    assert authorize(token(status), NOW, in_other_transaction=True).status is expected


def test_concurrent_tx_never_hides_an_expiry_date() -> None:
    decision = authorize(token(expires_at=NOW), NOW, in_other_transaction=True)
    assert decision.status is AuthorizationStatus.EXPIRED


def test_decision_carries_expiry_and_group() -> None:
    expires = NOW + timedelta(days=7)
    decision = authorize(token(expires_at=expires, group_id=7), NOW, parent_id_tag="FLEET-7")
    assert decision == AuthorizationDecision(
        AuthorizationStatus.ACCEPTED, expires_at=expires, group_id="FLEET-7"
    )


def test_refused_decision_still_carries_expiry_and_group() -> None:
    expires = NOW - timedelta(days=1)
    decision = authorize(
        token(TokenStatus.BLOCKED, expires_at=expires, group_id=3), NOW, parent_id_tag="G"
    )
    assert decision == AuthorizationDecision(
        AuthorizationStatus.BLOCKED, expires_at=expires, group_id="G"
    )


@settings(deadline=None)
@given(
    status=st.sampled_from(list(TokenStatus)),
    offset=st.one_of(st.none(), st.integers(min_value=-(10**9), max_value=10**9)),
    busy=st.booleans(),
)
def test_authorize_truth_table(status: TokenStatus, offset: int | None, busy: bool) -> None:
    expires = None if offset is None else NOW + timedelta(microseconds=offset)
    decision = authorize(token(status, expires_at=expires), NOW, in_other_transaction=busy)
    if status is not TokenStatus.ACCEPTED:
        expected = AuthorizationStatus(status.value)
    elif expires is not None and expires <= NOW:
        expected = AuthorizationStatus.EXPIRED
    elif busy:
        expected = AuthorizationStatus.CONCURRENT_TX
    else:
        expected = AuthorizationStatus.ACCEPTED
    assert decision.status is expected
    assert decision.expires_at == expires
