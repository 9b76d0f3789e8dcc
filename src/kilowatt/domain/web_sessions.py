"""Browser sessions of the operator dashboard, kept server-side.

The cookie holds a random token; the database keeps only its SHA-256 (``id``), so that a copy of
the database opens no session. A session starts anonymous (it carries the CSRF token of the
login form) and is replaced by a new one, with a new token, when its user signs in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32
SECOND_FACTOR_TIME = timedelta(minutes=5)
"""How long the code may be given after the password."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def session_key(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(eq=False)
class WebSession:
    id: str
    """SHA-256 of the cookie's token."""
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    """The absolute end, whatever the activity."""
    user_id: int | None = None
    organization_id: int | None = None
    client_address: str | None = None
    pending_user_id: int | None = None
    """The user who gave the right password and is yet to give their second factor (the
    session is not signed in until then)."""

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def awaits_second_factor(self, now: datetime) -> bool:
        """Between the password and the code, for at most SECOND_FACTOR_TIME."""
        return (
            self.pending_user_id is not None
            and self.user_id is None
            and now - self.created_at < SECOND_FACTOR_TIME
        )

    def alive(self, now: datetime, idle: timedelta) -> bool:
        return now < self.expires_at and now - self.last_seen_at < idle
