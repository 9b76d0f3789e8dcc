"""Invitation links: signed, expiring, for one account's one marker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.invitations import VALID_FOR, invited_hash, is_invited, read, sign

SECRET = b"a secret of the installation"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_link_names_its_account_until_it_expires() -> None:
    marker = invited_hash()
    token = sign(SECRET, 42, marker, NOW)
    claim = read(SECRET, token, NOW + VALID_FOR - timedelta(seconds=1))
    assert claim.user_id == 42
    assert claim.matches(marker)
    with pytest.raises(InvalidInput, match="expired"):
        read(SECRET, token, NOW + VALID_FOR)


def test_a_new_marker_or_a_password_spends_the_link() -> None:
    marker = invited_hash()
    claim = read(SECRET, sign(SECRET, 7, marker, NOW), NOW)
    assert not claim.matches(invited_hash())
    assert not claim.matches("$argon2id$v=19$m=65536,t=3,p=4$abc$def")
    assert is_invited(marker)
    assert not is_invited("$argon2id$v=19$m=65536,t=3,p=4$abc$def")


@given(st.text(max_size=120))
def test_nothing_but_a_signed_token_is_read(text: str) -> None:
    with pytest.raises(InvalidInput):
        read(SECRET, text, NOW)


@given(st.integers(min_value=1, max_value=2**63 - 1), st.integers(min_value=0, max_value=3))
def test_a_token_changed_anywhere_or_signed_otherwise_is_refused(user_id: int, part: int) -> None:
    token = sign(SECRET, user_id, invited_hash(), NOW)
    pieces = token.split(".")
    pieces[part] = pieces[part][:-1] + ("0" if pieces[part][-1] != "0" else "1")
    with pytest.raises(InvalidInput):
        read(SECRET, ".".join(pieces), NOW)
    with pytest.raises(InvalidInput):
        read(b"another secret", token, NOW)
