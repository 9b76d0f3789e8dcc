"""Drivers: the people who charge. An account holds their tokens; it may have a password
(argon2id, for the driver app) or be made by an operator without one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kilowatt.domain.errors import InvalidInput

MAX_EMAIL = 254


@dataclass(eq=False)
class Driver:
    organization_id: int
    email: str
    """Kept in lower case: one account per address and organization."""
    created_at: datetime
    updated_at: datetime
    name: str = ""
    phone: str = ""
    password_hash: str | None = None
    """argon2id; None: the driver has no password (made by an operator) and cannot sign in."""
    is_active: bool = True
    id: int | None = None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if (
        not (local and at and domain)
        or "@" in domain
        or len(email) > MAX_EMAIL
        or any(c.isspace() for c in email)
    ):
        raise InvalidInput("email", "not an email address")
    return email


def new_per_day(
    created: Iterable[datetime], first: date, last: date, zone: ZoneInfo
) -> list[tuple[date, int]]:
    """How many accounts were made on each local day from ``first`` to ``last`` (both
    included), days without any counted as 0."""
    counts = Counter(moment.astimezone(zone).date() for moment in created)
    days = (last - first).days + 1
    return [(first + timedelta(days=n), counts[first + timedelta(days=n)]) for n in range(days)]


def local_day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants the local days ``first`` .. ``last`` start and end (end excluded)."""
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return start, end
