"""Two-factor sign-in of operators: time-based one-time passwords (TOTP, RFC 6238: 6 digits,
30-second steps, SHA-1, what every authenticator app speaks) and one-time recovery codes.

A code is accepted for the step it was made in and the one before or after (clocks of phones
drift), and only once: the step it was accepted for is remembered, and a code of that step or
an earlier one is refused from then on (a code seen over a shoulder cannot be replayed).

Recovery codes are random (80 bits each) and kept as SHA-256 digests: a fast hash is enough
for secrets that long, as for API keys. Each works once.

The one-time-password algorithm itself (HMAC and truncation of RFC 4226) is pyotp's, in
services/two_factor.py: these rules receive it as ``CodeAt``, the code of a secret at a step,
so that the domain imports nothing but the standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.users import Role

CodeAt = Callable[[int], str]
"""The code of one secret at a time step (services/two_factor.py ``codes_of``)."""

STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1
"""Steps before and after the current one whose codes are accepted."""
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_GROUPS = 4
_RECOVERY_GROUP_LENGTH = 4
REQUIRED_FOR = frozenset({Role.OWNER, Role.ADMIN})
"""The roles an organization's "two-factor sign-in required" applies to."""
ISSUER = "Kilowatt"


def valid_secret(secret: str) -> bool:
    """Shaped like a secret of ours (a base32 string of 32 characters)."""
    return len(secret) == 32 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in secret)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def normalize(code: str) -> str:
    """What was typed, without spaces and dashes, in lower case."""
    return "".join(c for c in code.strip().lower() if c not in " -")


def looks_like_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isdigit()


def check_totp(code_at: CodeAt, code: str, moment: datetime, last_step: int | None) -> int | None:
    """The step ``code`` was made in, if it is right now and newer than ``last_step`` (the
    step of the last code accepted); None otherwise."""
    code = normalize(code)
    if not looks_like_totp(code):
        return None
    now = step_of(moment)
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(step), code):
            return step
    return None


# Recovery codes ----------------------------------------------------------------------------


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like ``k7qm-x2ve-9hta-wnpr`` (80 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
            for _ in range(_RECOVERY_GROUPS)
        )
        for _ in range(count)
    ]


def recovery_digest(code: str) -> str:
    """What is kept of a recovery code."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def use_recovery_code(code: str, digests: Sequence[str]) -> list[str] | None:
    """The digests left once ``code`` is used up; None when it is none of them."""
    wanted = recovery_digest(code)
    found = [d for d in digests if hmac.compare_digest(d, wanted)]
    if not found:
        return None
    return [d for d in digests if d != found[0]]


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """How a sign-in's second step was passed."""

    method: str
    """``totp`` or ``recovery_code``."""
    step: int | None = None
    """The TOTP step the code was accepted for."""
    recovery_digests: tuple[str, ...] | None = None
    """The recovery codes left (when one was used)."""


def check_second_factor(
    code_at: CodeAt, last_step: int | None, digests: Sequence[str], code: str, moment: datetime
) -> SecondFactor | None:
    """A TOTP code, or else one of the recovery codes; None when it is neither."""
    step = check_totp(code_at, code, moment, last_step)
    if step is not None:
        return SecondFactor("totp", step=step)
    if looks_like_totp(normalize(code)):
        return None
    left = use_recovery_code(code, digests)
    if left is None:
        return None
    return SecondFactor("recovery_code", recovery_digests=tuple(left))


def required(role: Role, organization_requires: bool) -> bool:
    return organization_requires and role in REQUIRED_FOR
