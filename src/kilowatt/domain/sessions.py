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

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def alive(self, now: datetime, idle: timedelta) -> bool:
        return now < self.expires_at and now - self.last_seen_at < idle
