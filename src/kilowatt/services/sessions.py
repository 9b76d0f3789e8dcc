"""Browser sessions of the operator dashboard: sign in, stay signed in, sign out.

A session is a random token in a cookie; the database keeps its SHA-256. Every session has a
CSRF token that each state-changing form must send back. Signing in replaces the session (a
new token: one planted before the login is worthless after it). Failed logins are counted per
account and per source address from the audit log itself, so the limit holds across nodes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from kilowatt.domain.audit import AuditAction, AuditEntry
from kilowatt.domain.errors import Throttled
from kilowatt.domain.organizations import Organization
from kilowatt.domain.sessions import WebSession, new_token, session_key
from kilowatt.domain.users import ActorKind, Principal, User
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.users import UserService

TOUCH_INTERVAL = timedelta(seconds=60)
"""A session's last activity is written at most this often."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=1)
    lifetime: timedelta = timedelta(hours=12)
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    throttle_window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SessionView:
    token: str
    """The cookie's value."""
    session: WebSession
    user: User | None = None
    organization: Organization | None = None
    principal: Principal | None = None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


class LoginFailed(Exception):
    """Wrong email or password (which one is not told)."""


def _login_id(email: str) -> str:
    return email.strip().lower()[:254]


class SessionService(Service):
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
        """The live session of this cookie (with its user when signed in), else None."""
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
        return SessionView(token, session, user, organization, principal)

    async def login(
        self, current: str | None, email: str, password: str, address: str | None
    ) -> SessionView:
        """A new signed-in session (the current one, if any, is dropped). Raises LoginFailed
        for a wrong email or password, Throttled after too many failures."""
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
        token, session = self._new(now, address, user)
        async with self.uow() as uow:
            if current:
                old = await uow.web_sessions.get(session_key(current))
                if old is not None:
                    await uow.web_sessions.delete(old)
            await uow.web_sessions.add(session)
            stored = await uow.users.get_any(session.user_id or 0)
            if stored is not None:
                stored.last_login_at = now
            principal = Principal.of_user(user, address)
            await record(uow, principal, AuditAction.LOGIN, "user", login_id, at=now)
            organization = await uow.organizations.get(user.organization_id)
            await uow.commit()
        user.last_login_at = now
        return SessionView(token, session, user, organization, principal)

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
        policy = self.policy
        since = now - policy.throttle_window
        async with self.uow(readonly=True) as uow:
            user = await uow.users.by_email(login_id)
            account_since = since
            if user is not None and user.last_login_at is not None:
                # A successful login clears the account's count.
                account_since = max(since, user.last_login_at)
            failures = await uow.audit.count(
                AuditAction.LOGIN_FAILED, account_since, object_id=login_id
            )
            from_address = 0
            if address:
                from_address = await uow.audit.count(
                    AuditAction.LOGIN_FAILED, since, client_address=address
                )
        if (
            failures >= policy.max_failures_per_account
            or from_address >= policy.max_failures_per_address
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
    ) -> None:
        async with self.uow() as uow:
            await _anonymous(uow, action, login_id, address, now, user)
            await uow.commit()


async def _anonymous(
    uow: UnitOfWork,
    action: AuditAction,
    login_id: str,
    address: str | None,
    now: datetime,
    user: User | None,
) -> None:
    await uow.audit.add(
        AuditEntry(
            at=now,
            action=action,
            organization_id=user.organization_id if user is not None else None,
            actor_type=ActorKind.ANONYMOUS,
            actor_name=login_id,
            object_type="user",
            object_id=login_id,
            client_address=address,
        )
    )
