"""Invitations of operators: an account made by someone allowed to, waiting for its person to
choose a password through a link sent by email.

An invited account is inactive and its password hash is a marker (``INVITED``, with a random
nonce) that no password matches. The link carries a signed, expiring claim naming the account
and a fingerprint of that marker: choosing a password replaces the marker, so a link works
once; sending the invitation again draws a new nonce, so the older link stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kilowatt.domain.errors import InvalidInput

INVITED = "!invited:"
"""The start of an invited account's password hash (no argon2 hash starts so)."""
VALID_FOR = timedelta(days=7)
"""How long an invitation link works."""


def invited_hash() -> str:
    """A password hash that no password matches, marking an account as invited."""
    return INVITED + secrets.token_hex(16)


def is_invited(password_hash: str) -> bool:
    return password_hash.startswith(INVITED)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _mac(secret: bytes, body: str) -> str:
    return hmac.new(secret, b"invitation|" + body.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Claim:
    """What an invitation link says: the account, until when, and the marker it was made for."""

    user_id: int
    expires_at: datetime
    fingerprint: str

    def matches(self, password_hash: str) -> bool:
        """Whether the account is still waiting for this very link."""
        return is_invited(password_hash) and hmac.compare_digest(
            self.fingerprint, _fingerprint(password_hash)
        )


def sign(secret: bytes, user_id: int, password_hash: str, now: datetime) -> str:
    """The token of an invitation link for the account ``user_id`` (invited, its marker
    ``password_hash``), valid for VALID_FOR from ``now``."""
    expires = int((now + VALID_FOR).timestamp())
    body = f"{user_id}.{expires}.{_fingerprint(password_hash)}"
    return f"{body}.{_mac(secret, body)}"


def read(secret: bytes, token: str, now: datetime) -> Claim:
    """The claim of a token signed with ``secret``; InvalidInput("token") when it is not one
    or has expired."""
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 200:
        raise InvalidInput("token", "not an invitation link")
    user_id, expires, fingerprint, mac = parts
    body = f"{user_id}.{expires}.{fingerprint}"
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidInput("token", "not an invitation link")
    if not (user_id.isdigit() and expires.isdigit()):
        raise InvalidInput("token", "not an invitation link")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if expires_at <= now:
        raise InvalidInput("token", "the invitation has expired")
    return Claim(int(user_id), expires_at, fingerprint)
