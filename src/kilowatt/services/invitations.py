"""Invitations of operators (domain/invitations.py): someone allowed to manage accounts
invites a person by email with a role and a site scope; the person follows the link, chooses a
password and may sign in. The account exists from the invitation on (inactive, no password
matches it), so that its email is taken and the owner sees it waiting.

The letter's words come from the edge that asks (``compose``: it knows the language); the
service signs the link, records the change in the audit log and hands the letter to the
outbound email port after the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.invitations import Claim, invited_hash, is_invited, read, sign
from kilowatt.domain.users import Principal, Role, User
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import Clock, EventPublisher, UnitOfWork, UnitOfWorkFactory
from kilowatt.services.ports.email import Mailer, OutgoingEmail
from kilowatt.services.users import (
    UserService,
    _check_email,
    _check_password,
    _may_grant,
    _may_manage,
    _sites,
)


@dataclass(frozen=True, slots=True)
class InvitationInput:
    email: str
    role: Role
    name: str = ""
    site_ids: Sequence[int] | None = None
    """None: every site of the organization."""


@dataclass(frozen=True, slots=True)
class Letter:
    """What the invitation email says, for ``compose`` to put in words."""

    to: str
    link: str
    organization: str
    inviter: str
    role: Role
    expires_at: datetime


Compose = Callable[[Letter], OutgoingEmail]


@dataclass(frozen=True, slots=True)
class Invited:
    user: User
    link: str
    """The link that was emailed (shown to no one else)."""


class InvitationService(Service):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        bus: EventPublisher,
        *,
        mailer: Mailer,
        secret: bytes,
        public_url: str,
    ) -> None:
        super().__init__(uow, clock, bus)
        self.mailer = mailer
        self.secret = secret
        self.public_url = public_url.rstrip("/")

    async def invite(
        self, principal: Principal, data: InvitationInput, compose: Compose
    ) -> Invited:
        """Make the inactive account and email its link; EmailNotSent (the account stays,
        waiting: ``resend``) when the letter could not be handed over."""
        email = _check_email(data.email)
        _may_grant(principal, data.role)
        name = data.name.strip()
        if len(name) > 200:
            raise InvalidInput("name", "at most 200 characters")
        now = self.clock.now()
        async with self.uow() as uow:
            if await uow.users.by_email(email) is not None:
                raise Conflict(f"a user with email {email} already exists", reason="email_taken")
            sites = await _sites(uow, principal.organization_id, data.role, data.site_ids)
            user = await uow.users.add(
                User(
                    organization_id=principal.organization_id,
                    email=email,
                    password_hash=invited_hash(),
                    role=data.role,
                    name=name,
                    site_ids=sites,
                    is_active=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            summary = {"email": email, "role": data.role, "site_ids": sites, "name": name}
            await record(uow, principal, "user.invite", "user", user.id, summary, at=now)
            letter = await self._letter(uow, principal, user, now)
            await uow.commit()
        await self.mailer.send(compose(letter))
        return Invited(user, letter.link)

    async def resend(self, principal: Principal, user_id: int, compose: Compose) -> Invited:
        """A new link for an account still waiting (the older links stop working)."""
        now = self.clock.now()
        async with self.uow() as uow:
            user = await self._waiting(uow, principal, user_id)
            user.password_hash = invited_hash()
            user.updated_at = now
            await record(uow, principal, "user.invite", "user", user_id, {"resent": True}, at=now)
            letter = await self._letter(uow, principal, user, now)
            await uow.commit()
        await self.mailer.send(compose(letter))
        return Invited(user, letter.link)

    async def withdraw(self, principal: Principal, user_id: int) -> None:
        """The waiting account goes, and its link with it."""
        async with self.uow() as uow:
            user = await self._waiting(uow, principal, user_id)
            await uow.users.delete(user)
            summary = {"email": user.email, "role": user.role}
            await record(
                uow,
                principal,
                "user.invitation_withdrawn",
                "user",
                user_id,
                summary,
                at=self.clock.now(),
            )
            await uow.commit()

    async def check(self, token: str) -> User:
        """The account a link invites, while it waits for it; InvalidInput("token") for a
        link that is not one, has expired, was used or replaced."""
        async with self.uow(readonly=True) as uow:
            _, user = await self._claimed(uow, token)
        return user

    async def accept(
        self, token: str, password: str, name: str = "", address: str | None = None
    ) -> User:
        """The person chose a password: the account is active and the link spent."""
        _check_password(password)
        if len(name.strip()) > 200:
            raise InvalidInput("name", "at most 200 characters")
        now = self.clock.now()
        async with self.uow() as uow:
            _, user = await self._claimed(uow, token)
            user.password_hash = UserService.hasher.hash(password)
            user.is_active = True
            if name.strip():
                user.name = name.strip()
            user.updated_at = now
            await record(
                uow,
                Principal.of_user(user, address),
                "user.accept_invitation",
                "user",
                user.id,
                {"is_active": True},
                at=now,
            )
            await uow.commit()
        return user

    # -----------------------------------------------------------------------------------------

    async def _claimed(self, uow: UnitOfWork, token: str) -> tuple[Claim, User]:
        claim = read(self.secret, token, self.clock.now())
        user = await uow.users.get_any(claim.user_id)
        if user is None or not claim.matches(user.password_hash):
            raise InvalidInput("token", "the invitation was used, replaced or withdrawn")
        return claim, user

    async def _waiting(self, uow: UnitOfWork, principal: Principal, user_id: int) -> User:
        user = await uow.users.get(principal.organization_id, user_id)
        if user is None:
            raise NotFound("user", user_id)
        _may_manage(principal, user.role, "an invitation")
        if not is_invited(user.password_hash):
            raise Conflict("the invitation was already accepted", reason="invitation_accepted")
        return user

    async def _letter(
        self, uow: UnitOfWork, principal: Principal, user: User, now: datetime
    ) -> Letter:
        assert user.id is not None
        organization = await uow.organizations.get(user.organization_id)
        token = sign(self.secret, user.id, user.password_hash, now)
        claim = read(self.secret, token, now)
        return Letter(
            to=user.email,
            link=f"{self.public_url}/invitation/{token}",
            organization=organization.name if organization else "",
            inviter=principal.name,
            role=user.role,
            expires_at=claim.expires_at,
        )
