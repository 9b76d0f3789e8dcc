"""Browser sessions of the operator dashboard: sign in, stay signed in, sign out.

A session is a random token in a cookie; the database keeps its SHA-256. Every session has a
CSRF token that each state-changing form must send back. Signing in replaces the session (a
new token: one planted before the login is worthless after it). An operator with two-factor
sign-in gives their code after the password: until then the session is anonymous, holding
only who is to give it (for at most five minutes).

Failed sign-ins (a wrong password or code) are counted from the audit log itself, so that
the limits hold across nodes: per account and address, per address, and per account from
all addresses together (a distributed guess), the last one sparing the addresses the
account recently signed in from, so that an attacker cannot lock the owner out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kilowatt.domain.audit import AuditAction, AuditEntry
from kilowatt.domain.errors import Throttled
from kilowatt.domain.organizations import Organization
from kilowatt.domain.two_factor import SecondFactor, check_second_factor, required
from kilowatt.domain.users import ActorKind, Principal, User
from kilowatt.domain.web_sessions import WebSession, new_token, session_key
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.two_factor import codes_of
from kilowatt.services.users import UserService

TOUCH_INTERVAL = timedelta(seconds=60)
"""A session's last activity is written at most this often."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=1)
    lifetime: timedelta = timedelta(hours=12)
    max_failures_per_account: int = 5
    """Of one account from one address (since the account's last sign-in)."""
    max_failures_per_address: int = 20
    """From one address, whatever the accounts."""
    max_failures_per_account_total: int = 50
    """Of one account from every address together; its known addresses are spared."""
    known_address_age: timedelta = timedelta(days=30)
    """An address the account signed in from within this long is known."""
    throttle_window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SessionView:
    token: str
    """The cookie's value."""
    session: WebSession
    user: User | None = None
    organization: Organization | None = None
    principal: Principal | None = None
    awaiting_code: bool = False
    """The password was right; the second factor is yet to come."""

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def must_enrol(self) -> bool:
        """The organization requires two-factor sign-in of this user, who has none yet."""
        return (
            self.user is not None
            and self.organization is not None
            and required(self.user.role, self.organization.require_two_factor)
            and not self.user.two_factor
        )


class LoginFailed(Exception):
    """Wrong email or password, or a wrong second-factor code (which one is not told)."""


class CodeExpired(Exception):
    """No sign-in is waiting for a code (none started, or it took too long)."""


def _login_id(email: str) -> str:
    return email.strip().lower()[:254]


class WebSessionService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        users: UserService,
        policy: SessionPolicy,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.users = users
        self.policy = policy

    def _new(
        self, now: datetime, address: str | None, user: User | None = None
    ) -> tuple[str, WebSession]:
        token = new_token()
        session = WebSession(
            id=session_key(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.lifetime,
            user_id=user.id if user else None,
            organization_id=user.organization_id if user else None,
            client_address=address,
        )
        return token, session

    async def start(self, address: str | None) -> SessionView:
        """An anonymous session: it carries the login form's CSRF token."""
        now = self.clock.now()
        token, session = self._new(now, address)
        async with self.uow() as uow:
            await uow.web_sessions.purge(now, now - self.policy.idle)
            await uow.web_sessions.add(session)
            await uow.commit()
        return SessionView(token, session)

    async def resolve(self, token: str | None, address: str | None = None) -> SessionView | None:
        """The live session of this cookie (with its user when signed in, or whether it
        awaits a second-factor code), else None."""
        if not token or len(token) > 128:
            return None
        now = self.clock.now()
        key = session_key(token)
        async with self.uow(readonly=True) as uow:
            session = await uow.web_sessions.get(key)
            user = organization = None
            if session is not None and session.user_id is not None:
                user = await uow.users.get_any(session.user_id)
                if user is not None:
                    organization = await uow.organizations.get(user.organization_id)
        if session is None or not session.alive(now, self.policy.idle):
            return None
        if session.user_id is not None and (user is None or not user.is_active):
            return None
        if now - session.last_seen_at > TOUCH_INTERVAL:
            async with self.uow() as uow:
                stored = await uow.web_sessions.get(key)
                if stored is not None:
                    stored.last_seen_at = now
                    await uow.commit()
            session.last_seen_at = now
        principal = Principal.of_user(user, address) if user is not None else None
        return SessionView(
            token,
            session,
            user,
            organization,
            principal,
            awaiting_code=session.awaits_second_factor(now),
        )

    async def login(
        self, current: str | None, email: str, password: str, address: str | None
    ) -> SessionView:
        """A new signed-in session (the current one, if any, is dropped); for a user with
        two-factor sign-in, a new session awaiting the code (``awaiting_code``). Raises
        LoginFailed for a wrong email or password, Throttled after too many failures."""
        now = self.clock.now()
        login_id = _login_id(email)
        await self._throttle(login_id, address, now)
        user = await self.users.check_password(email, password)
        if user is None:
            known = None
            async with self.uow(readonly=True) as uow:
                known = await uow.users.by_email(email.strip())
            await self._note(AuditAction.LOGIN_FAILED, login_id, address, now, known)
            raise LoginFailed
        if user.two_factor:
            token, session = self._new(now, address)
            session.pending_user_id = user.id
            async with self.uow() as uow:
                await self._replace(uow, current, session)
                await uow.commit()
            return SessionView(token, session, awaiting_code=True)
        return await self._signed_in(current, user, address, now, {})

    async def second_factor(
        self, current: str | None, code: str, address: str | None
    ) -> SessionView:
        """The code (TOTP, or a recovery code) of the sign-in this session awaits: a new
        signed-in session. Raises CodeExpired when none awaits, LoginFailed for a wrong code
        (counted like a wrong password), Throttled after too many failures."""
        now = self.clock.now()
        if not current:
            raise CodeExpired
        async with self.uow(readonly=True) as uow:
            session = await uow.web_sessions.get(session_key(current))
            user = None
            if session is not None and session.awaits_second_factor(now):
                user = await uow.users.get_any(session.pending_user_id or 0)
        if user is None or not user.is_active or not user.two_factor:
            raise CodeExpired
        login_id = _login_id(user.email)
        await self._throttle(login_id, address, now)
        assert user.totp_secret is not None
        factor = check_second_factor(
            codes_of(user.totp_secret), user.totp_last_step, user.recovery_codes or [], code, now
        )
        if factor is None:
            await self._note(
                AuditAction.LOGIN_FAILED, login_id, address, now, user, {"second_factor": "code"}
            )
            raise LoginFailed
        return await self._signed_in(
            current, user, address, now, {"second_factor": factor.method}, factor
        )

    async def _signed_in(
        self,
        current: str | None,
        user: User,
        address: str | None,
        now: datetime,
        changes: dict[str, Any],
        factor: SecondFactor | None = None,
    ) -> SessionView:
        token, session = self._new(now, address, user)
        login_id = _login_id(user.email)
        async with self.uow() as uow:
            stored = await uow.users.get_any(session.user_id or 0)
            if stored is None:
                raise LoginFailed
            if factor is not None and factor.step is not None:
                if stored.totp_last_step is not None and factor.step <= stored.totp_last_step:
                    raise LoginFailed  # the same code, used meanwhile by another request
                stored.totp_last_step = factor.step
            if factor is not None and factor.recovery_digests is not None:
                stored.recovery_codes = list(factor.recovery_digests)
                changes = {**changes, "recovery_codes_left": len(factor.recovery_digests)}
            await self._replace(uow, current, session)
            stored.last_login_at = now
            principal = Principal.of_user(user, address)
            await record(uow, principal, AuditAction.LOGIN, "user", login_id, changes, at=now)
            organization = await uow.organizations.get(user.organization_id)
            await uow.commit()
        user.last_login_at = now
        return SessionView(token, session, user, organization, principal)

    @staticmethod
    async def _replace(uow: UnitOfWork, current: str | None, session: WebSession) -> None:
        if current:
            old = await uow.web_sessions.get(session_key(current))
            if old is not None:
                await uow.web_sessions.delete(old)
        await uow.web_sessions.add(session)

    async def logout(self, token: str | None, address: str | None) -> None:
        if not token:
            return
        now = self.clock.now()
        async with self.uow() as uow:
            session = await uow.web_sessions.get(session_key(token))
            if session is None:
                return
            user = await uow.users.get_any(session.user_id) if session.user_id else None
            await uow.web_sessions.delete(session)
            if user is not None:
                principal = Principal.of_user(user, address)
                await record(
                    uow, principal, AuditAction.LOGOUT, "user", _login_id(user.email), at=now
                )
            await uow.commit()

    async def _throttle(self, login_id: str, address: str | None, now: datetime) -> None:
        """Refuse (Throttled, recorded) a sign-in past a limit: failures of the account from
        this address, failures from this address, or failures of the account from anywhere
        unless this address is one the account signed in from lately."""
        policy = self.policy
        since = now - policy.throttle_window
        async with self.uow(readonly=True) as uow:
            user = await uow.users.by_email(login_id)
            account_since = since
            if user is not None and user.last_login_at is not None:
                # A successful login clears the account's counts.
                account_since = max(since, user.last_login_at)
            everywhere = await uow.audit.count(
                AuditAction.LOGIN_FAILED, account_since, object_id=login_id
            )
            here = everywhere
            from_address = 0
            if address:
                here = await uow.audit.count(
                    AuditAction.LOGIN_FAILED,
                    account_since,
                    object_id=login_id,
                    client_address=address,
                )
                from_address = await uow.audit.count(
                    AuditAction.LOGIN_FAILED, since, client_address=address
                )
            distributed = everywhere >= policy.max_failures_per_account_total
            if distributed and address:
                known = await uow.audit.count(
                    AuditAction.LOGIN,
                    now - policy.known_address_age,
                    object_id=login_id,
                    client_address=address,
                )
                distributed = known == 0
        if (
            here >= policy.max_failures_per_account
            or from_address >= policy.max_failures_per_address
            or distributed
        ):
            await self._note(AuditAction.LOGIN_THROTTLED, login_id, address, now, user)
            raise Throttled(
                "too many failed sign-in attempts; try again later",
                int(policy.throttle_window.total_seconds()),
            )

    async def _note(
        self,
        action: AuditAction,
        login_id: str,
        address: str | None,
        now: datetime,
        user: User | None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        async with self.uow() as uow:
            await uow.audit.add(
                AuditEntry(
                    at=now,
                    action=action,
                    organization_id=user.organization_id if user is not None else None,
                    actor_type=ActorKind.ANONYMOUS,
                    actor_name=login_id,
                    object_type="user",
                    object_id=login_id,
                    changes=changes or {},
                    client_address=address,
                )
            )
            await uow.commit()
