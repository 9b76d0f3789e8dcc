"""Two-factor sign-in of operators (domain/two_factor.py): enrolment with an authenticator
app, recovery codes, turning it off, an administrator's reset after a lost phone, and the
organization's requirement of it for owners and admins.

The secret of an enrolment in progress is not stored: the enrolment page carries it, and it
is kept (with the first code's time step and the recovery codes' digests) only once a code
made from it confirms it. Every change is in the audit log; codes and secrets never are.
Wrong codes on these pages are throttled per user (in memory, per process).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp

from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from kilowatt.domain.permissions import may_manage
from kilowatt.domain.throttling import Throttle
from kilowatt.domain.two_factor import (
    DIGITS,
    ISSUER,
    STEP_SECONDS,
    CodeAt,
    check_second_factor,
    check_totp,
    new_recovery_codes,
    recovery_digest,
    required,
    valid_secret,
)
from kilowatt.domain.users import ActorKind, Principal, User
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory

MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = 900.0


# The one-time-password algorithm (RFC 4226/6238) is pyotp's; the rules around it (steps,
# replays, recovery codes) are domain/two_factor.py's.


def new_secret() -> str:
    """A new TOTP secret: 160 random bits, base32 (as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def codes_of(secret: str) -> CodeAt:
    """The code an authenticator app shows for ``secret`` at each time step."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    return lambda step: str(totp.at(step * STEP_SECONDS))


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at ``moment``."""
    return codes_of(secret)(int(moment.timestamp()) // STEP_SECONDS)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return str(
        pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
            name=account, issuer_name=issuer
        )
    )


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    uri: str
    """The ``otpauth://`` URI for the QR code."""


@dataclass(frozen=True, slots=True)
class TwoFactorStatus:
    user: User
    required: bool
    """The organization requires it of this user."""

    @property
    def enabled(self) -> bool:
        return self.user.two_factor

    @property
    def recovery_codes_left(self) -> int:
        return len(self.user.recovery_codes or [])


class TwoFactorService(Service):
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, bus: EventPublisher) -> None:
        super().__init__(uow, clock, bus)
        self._wrong = Throttle(
            limit=MAX_WRONG_CODES,
            window=WRONG_CODE_WINDOW,
            block=WRONG_CODE_WINDOW,
            max_block=4 * WRONG_CODE_WINDOW,
        )

    async def status(self, principal: Principal) -> TwoFactorStatus:
        async with self.uow(readonly=True) as uow:
            user = await self._me(uow, principal)
            organization = await uow.organizations.get(user.organization_id)
        requires = organization is not None and organization.require_two_factor
        return TwoFactorStatus(user, required(user.role, requires))

    def enrolment(self, principal: Principal, secret: str | None = None) -> Enrolment:
        """A new secret (or ``secret`` again, when the confirmation must be retried)."""
        if secret is None or not valid_secret(secret):
            secret = new_secret()
        return Enrolment(secret, provisioning_uri(secret, principal.name))

    async def enable(self, principal: Principal, secret: str, code: str) -> list[str]:
        """Turn it on with ``secret``, once ``code`` shows the app has it: the recovery codes,
        in clear, to be shown this once."""
        if not valid_secret(secret):
            raise InvalidInput("secret", "start the enrolment again")
        now = self.clock.now()
        self._check_blocked(principal)
        step = check_totp(codes_of(secret), code, now, None)
        if step is None:
            self._failed(principal)
            raise InvalidInput("code", "the code is not right; enter the one the app shows now")
        codes = new_recovery_codes()
        async with self.uow() as uow:
            user = await self._me(uow, principal)
            if user.two_factor:
                raise Conflict("two-factor sign-in is on already")
            user.totp_secret = secret
            user.totp_enabled_at = now
            user.totp_last_step = step
            user.recovery_codes = [recovery_digest(c) for c in codes]
            user.updated_at = now
            await record(
                uow, principal, "user.two_factor_enable", "user", user.email.lower(), at=now
            )
            await uow.commit()
        return codes

    async def new_recovery_codes(self, principal: Principal, code: str) -> list[str]:
        """New recovery codes (the old ones stop working), confirmed by a current TOTP code."""
        now = self.clock.now()
        self._check_blocked(principal)
        async with self.uow() as uow:
            user = await self._me(uow, principal)
            if not user.two_factor or user.totp_secret is None:
                raise Conflict("two-factor sign-in is off")
            step = check_totp(codes_of(user.totp_secret), code, now, user.totp_last_step)
            if step is None:
                self._failed(principal)
                raise InvalidInput("code", "the code is not right; enter the one the app shows")
            codes = new_recovery_codes()
            user.totp_last_step = step
            user.recovery_codes = [recovery_digest(c) for c in codes]
            user.updated_at = now
            await record(uow, principal, "user.recovery_codes", "user", user.email.lower(), at=now)
            await uow.commit()
        return codes

    async def disable(self, principal: Principal, code: str) -> None:
        """Turn it off, confirmed by a current code (or a recovery code); refused while the
        organization requires it of the user."""
        now = self.clock.now()
        self._check_blocked(principal)
        async with self.uow() as uow:
            user = await self._me(uow, principal)
            if not user.two_factor or user.totp_secret is None:
                raise Conflict("two-factor sign-in is off")
            organization = await uow.organizations.get(user.organization_id)
            if organization is not None and required(user.role, organization.require_two_factor):
                raise Forbidden("your organization requires two-factor sign-in of your role")
            factor = check_second_factor(
                codes_of(user.totp_secret),
                user.totp_last_step,
                user.recovery_codes or [],
                code,
                now,
            )
            if factor is None:
                self._failed(principal)
                raise InvalidInput("code", "the code is not right; enter the one the app shows")
            _clear(user)
            user.updated_at = now
            await record(
                uow, principal, "user.two_factor_disable", "user", user.email.lower(), at=now
            )
            await uow.commit()

    async def reset(self, principal: Principal, user_id: int) -> User:
        """An administrator turns off another user's two-factor sign-in (a lost phone and
        lost recovery codes): they sign in with their password and enrol again (at once, if
        the organization requires it). Their sessions end."""
        now = self.clock.now()
        async with self.uow() as uow:
            user = await uow.users.get(principal.organization_id, user_id)
            if user is None:
                raise NotFound("user", user_id)
            if principal.limited or not may_manage(principal.role, user.role):
                raise Forbidden(
                    f"a caller with role {principal.role.value} cannot change users with role "
                    f"{user.role.value}"
                )
            was = user.two_factor
            _clear(user)
            user.updated_at = now
            await uow.web_sessions.delete_for_user(user_id)
            await record(
                uow,
                principal,
                "user.two_factor_reset",
                "user",
                user_id,
                {"email": user.email, "two_factor": [was, False]},
                at=now,
            )
            await uow.commit()
        return user

    # Helpers ---------------------------------------------------------------------------------

    @staticmethod
    async def _me(uow: UnitOfWork, principal: Principal) -> User:
        if principal.kind is not ActorKind.USER or principal.actor_id is None:
            raise Forbidden("two-factor sign-in belongs to operator accounts")
        user = await uow.users.get(principal.organization_id, principal.actor_id)
        if user is None:
            raise NotFound("user", principal.actor_id)
        return user

    def _check_blocked(self, principal: Principal) -> None:
        wait = self._wrong.blocked(str(principal.actor_id), self.clock.now().timestamp())
        if wait > 0:
            raise Throttled("too many wrong codes; try again later", int(wait) + 1)

    def _failed(self, principal: Principal) -> None:
        self._wrong.fail(str(principal.actor_id), self.clock.now().timestamp())


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes = None
