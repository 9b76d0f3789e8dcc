"""Operator accounts and API keys: who may do what in which organization, and at which sites.

Passwords are hashed with argon2id; API keys carry 256 random bits and are kept as SHA-256,
found by their prefix. Every change is written to the audit log in the same unit of work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kilowatt.domain.organizations import Organization
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.permissions import may_grant, may_manage
from kilowatt.domain.users import ActorKind, ApiKey, Principal, Role, Scope, User
from kilowatt.services.audit import API_KEY_PREFIX, record
from kilowatt.services.base import Service
from kilowatt.services.ports import UnitOfWork, UserFilter
from kilowatt.services.provisioning import default_organization

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USER_FIELDS = frozenset({"name", "role", "site_ids", "is_active", "password"})
CHANGED = "[changed]"
"""What the audit log says of a new password."""
KEY_TOUCH_INTERVAL = timedelta(minutes=1)
"""last_used_at of a key is written at most this often (not on every request)."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str
    """The whole key, shown to its owner once and never stored."""


@dataclass(frozen=True, slots=True)
class NewOrganization:
    organization: Organization
    owner_key: IssuedKey | None
    owner: User | None


@dataclass(frozen=True, slots=True)
class UserInput:
    email: str
    password: str
    role: Role
    name: str = ""
    site_ids: Sequence[int] | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyInput:
    name: str
    role: Role
    site_ids: Sequence[int] | None = None


def _digest(secret: str) -> str:
    # API keys carry 256 random bits: a fast hash is safe for them, unlike passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at most {MAX_PASSWORD_LENGTH} characters")


def _check_email(email: str) -> str:
    email = email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and domain) or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("email", "not an email address")
    return email


def _check_user(principal: Principal, data: UserInput) -> None:
    _check_email(data.email)
    _check_password(data.password)
    _may_grant(principal, data.role)
    if len(data.name) > 200:
        raise InvalidInput("name", "at most 200 characters")


def _may_grant(principal: Principal, role: Role) -> None:
    if principal.limited:
        raise Forbidden(
            "a caller limited to some sites cannot manage accounts or keys", reason="limited_caller"
        )
    if not may_grant(principal.role, role):
        raise Forbidden(
            f"a caller with role {principal.role.value} cannot grant role {role.value}",
            reason="role_not_grantable",
        )


def _may_manage(principal: Principal, holder: Role, what: str) -> None:
    if principal.limited:
        raise Forbidden(
            "a caller limited to some sites cannot manage accounts or keys", reason="limited_caller"
        )
    if not may_manage(principal.role, holder):
        raise Forbidden(
            f"a caller with role {principal.role.value} cannot change {what} with role "
            f"{holder.value}",
            reason="not_manageable",
        )


async def _sites(
    uow: UnitOfWork, organization_id: int, role: Role, site_ids: Sequence[int] | None
) -> list[int] | None:
    """The site scope to store: None (every site) or the organization's sites named."""
    if site_ids is None:
        return None
    if role is Role.OWNER:
        raise InvalidInput(
            "site_ids", "an owner sees every site; leave site_ids out", reason="owner_scope"
        )
    chosen = sorted(set(site_ids))
    for site_id in chosen:
        if await uow.sites.get(Scope(organization_id), site_id) is None:
            raise InvalidInput(
                "site_ids", f"no site {site_id} in this organization", reason="unknown_site"
            )
    return chosen


def _scope(site_ids: Sequence[int] | None) -> list[int] | None:
    return None if site_ids is None else sorted(set(site_ids))


def _is_self(principal: Principal, user: User) -> bool:
    return principal.kind is ActorKind.USER and principal.actor_id == user.id


def _user_fields(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "site_ids": user.site_ids,
        "is_active": user.is_active,
    }


class UserService(Service):
    hasher = PasswordHasher()  # argon2id, the library's (RFC 9106) defaults

    # Accounts ------------------------------------------------------------------------------

    async def create_user(
        self,
        email: str,
        password: str,
        role: Role = Role.ADMIN,
        organization_id: int | None = None,
        *,
        name: str = "",
        site_ids: Sequence[int] | None = None,
    ) -> User:
        """From the command line: in ``organization_id``, else the default organization."""
        if organization_id is None:
            async with self.uow() as uow:
                organization = await default_organization(uow, self.clock.now())
                await uow.commit()
            assert organization.id is not None
            organization_id = organization.id
        return await self.create(
            Principal.system(organization_id, "command line"),
            UserInput(email=email, password=password, role=role, name=name, site_ids=site_ids),
        )

    async def create(self, principal: Principal, data: UserInput) -> User:
        _check_user(principal, data)
        async with self.uow() as uow:
            user = await self._new_user(uow, principal, data)
            await uow.commit()
        return user

    async def _new_user(self, uow: UnitOfWork, principal: Principal, data: UserInput) -> User:
        email = _check_email(data.email)
        now = self.clock.now()
        if await uow.users.by_email(email) is not None:
            raise Conflict(f"a user with email {email} already exists", reason="email_taken")
        sites = await _sites(uow, principal.organization_id, data.role, data.site_ids)
        user = await uow.users.add(
            User(
                organization_id=principal.organization_id,
                email=email,
                password_hash=self.hasher.hash(data.password),
                role=data.role,
                name=data.name.strip(),
                site_ids=sites,
                created_at=now,
                updated_at=now,
            )
        )
        await record(uow, principal, "user.create", "user", user.id, _user_fields(user), at=now)
        return user

    async def create_organization(
        self,
        name: str,
        by: Principal | None = None,
        *,
        owner: UserInput | None = None,
        with_key: bool = True,
    ) -> NewOrganization:
        """A new organization, with its first owner's account (``owner``) and an owner API
        key, all or nothing. ``by``: the owner of another organization who asked (recorded in
        both audit logs), or None for the command line."""
        name = name.strip()
        if not name:
            raise InvalidInput("name", "must not be empty")
        if len(name) > 200:
            raise InvalidInput("name", "at most 200 characters")
        now = self.clock.now()
        if owner is not None:
            _check_email(owner.email)
            _check_password(owner.password)
        async with self.uow() as uow:
            # The first organization is the default one (of `admin create` without
            # --organization, and of unknown stations): it is never a tenant made here.
            await default_organization(uow, now)
            if await uow.organizations.get_by_name(name) is not None:
                raise Conflict(f"an organization named {name!r} already exists")
            organization = await uow.organizations.add(Organization(name=name, created_at=now))
            assert organization.id is not None
            creator = Principal.system(
                organization.id, by.name if by is not None else "command line"
            ).at(by.address if by is not None else None)
            summary = {"name": name}
            if by is not None:
                await record(
                    uow, by, "organization.create", "organization", organization.id, summary, at=now
                )
            await record(
                uow,
                creator,
                "organization.create",
                "organization",
                organization.id,
                summary,
                at=now,
            )
            user = None
            if owner is not None:
                user = await self._new_user(uow, creator, replace(owner, role=Role.OWNER))
            issued = None
            if with_key:
                issued = await self._new_key(
                    uow, creator, ApiKeyInput(name="first owner key", role=Role.OWNER)
                )
            await uow.commit()
        return NewOrganization(organization, issued, user)

    async def get(self, principal: Principal, user_id: int) -> User:
        async with self.uow(readonly=True) as uow:
            return await self._get(uow, principal, user_id)

    async def search(
        self, principal: Principal, page: PageRequest, where: UserFilter
    ) -> Page[User]:
        async with self.uow(readonly=True) as uow:
            return await uow.users.search(principal.organization_id, page, where)

    async def update(self, principal: Principal, user_id: int, changes: dict[str, Any]) -> User:
        unknown = set(changes) - USER_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        now = self.clock.now()
        async with self.uow() as uow:
            user = await self._get(uow, principal, user_id)
            _may_manage(principal, user.role, "an account")
            role = changes.get("role") or user.role
            if role is not user.role:
                _may_grant(principal, role)
            if _is_self(principal, user) and (
                role is not user.role
                or changes.get("is_active") is False
                or ("site_ids" in changes and _scope(changes["site_ids"]) != user.site_ids)
            ):
                # Oneself limited to some sites, or demoted, could manage accounts no more.
                raise Conflict(
                    "you cannot change your own role or sites or deactivate yourself",
                    reason="self_change",
                )
            owners = 0
            if user.role is Role.OWNER and user.is_active:
                owners = await uow.users.count_active_owners(user.organization_id)
            before = _user_fields(user)
            if "site_ids" in changes or "role" in changes:
                site_ids = changes.get("site_ids", user.site_ids)
                user.site_ids = await _sites(uow, user.organization_id, role, site_ids)
            user.role = role
            if "name" in changes:
                user.name = str(changes["name"] or "").strip()
            if changes.get("is_active") is not None:
                user.is_active = bool(changes["is_active"])
            password_changed = False
            if changes.get("password") is not None:
                _check_password(str(changes["password"]))
                user.password_hash = self.hasher.hash(str(changes["password"]))
                password_changed = True
            if owners and not (user.role is Role.OWNER and user.is_active) and owners <= 1:
                raise Conflict(
                    "the organization's last owner cannot be demoted or deactivated",
                    reason="last_owner",
                )
            user.updated_at = now
            if not user.is_active or password_changed:
                # A deactivated account, or one whose password was reset, is signed out.
                assert user.id is not None
                await uow.web_sessions.delete_for_user(user.id)
            summary = changes_of(before, _user_fields(user))
            if password_changed:
                summary["password"] = CHANGED
            await record(uow, principal, "user.update", "user", user_id, summary, at=now)
            await uow.commit()
        return user

    async def delete(self, principal: Principal, user_id: int) -> None:
        async with self.uow() as uow:
            user = await self._get(uow, principal, user_id)
            _may_manage(principal, user.role, "an account")
            if _is_self(principal, user):
                raise Conflict("you cannot delete your own account", reason="self_change")
            if (
                user.role is Role.OWNER
                and user.is_active
                and await uow.users.count_active_owners(user.organization_id) <= 1
            ):
                raise Conflict(
                    "the organization's last owner cannot be removed", reason="last_owner"
                )
            assert user.id is not None
            await uow.web_sessions.delete_for_user(user.id)
            await uow.users.delete(user)
            await record(
                uow,
                principal,
                "user.delete",
                "user",
                user_id,
                {"email": user.email, "role": user.role},
                at=self.clock.now(),
            )
            await uow.commit()

    async def set_password(self, email: str, password: str) -> User:
        """From the command line (or the demo): a new password, every session ended."""
        _check_password(password)
        async with self.uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                raise NotFound("user", email)
            assert user.id is not None
            user.password_hash = self.hasher.hash(password)
            user.updated_at = self.clock.now()
            await uow.web_sessions.delete_for_user(user.id)
            await record(
                uow,
                Principal.system(user.organization_id, "command line"),
                "user.update",
                "user",
                user.id,
                {"password": CHANGED},
                at=user.updated_at,
            )
            await uow.commit()
        return user

    async def check_password(self, email: str, password: str) -> User | None:
        """The active account with this email and password, else None (in the same time)."""
        async with self.uow(readonly=True) as uow:
            user = await uow.users.by_email(email.strip())
        if user is None or not user.is_active or len(password) > MAX_PASSWORD_LENGTH:
            # Spend the time of a real check: a login must not reveal which emails exist.
            self.hasher.hash(password[:MAX_PASSWORD_LENGTH])
            return None
        try:
            self.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return user

    async def principal_of(self, user_id: int, address: str | None = None) -> Principal | None:
        """The caller a browser session stands for, while its account is active."""
        async with self.uow(readonly=True) as uow:
            user = await uow.users.get_any(user_id)
        if user is None or not user.is_active:
            return None
        return Principal.of_user(user, address)

    @staticmethod
    async def _get(uow: UnitOfWork, principal: Principal, user_id: int) -> User:
        user = await uow.users.get(principal.organization_id, user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    # API keys ------------------------------------------------------------------------------

    async def create_api_key(
        self,
        name: str,
        role: Role = Role.ADMIN,
        organization_id: int | None = None,
        *,
        site_ids: Sequence[int] | None = None,
    ) -> IssuedKey:
        """From the command line: in ``organization_id``, else the default organization."""
        if organization_id is None:
            async with self.uow() as uow:
                organization = await default_organization(uow, self.clock.now())
                await uow.commit()
            assert organization.id is not None
            organization_id = organization.id
        return await self.issue_key(
            Principal.system(organization_id, "command line"),
            ApiKeyInput(name=name, role=role, site_ids=site_ids),
        )

    async def issue_key(self, principal: Principal, data: ApiKeyInput) -> IssuedKey:
        _may_grant(principal, data.role)
        async with self.uow() as uow:
            issued = await self._new_key(uow, principal, data)
            await uow.commit()
        return issued

    async def _new_key(self, uow: UnitOfWork, principal: Principal, data: ApiKeyInput) -> IssuedKey:
        name = data.name.strip()
        if not name:
            raise InvalidInput("name", "must not be empty")
        if len(name) > 100:
            raise InvalidInput("name", "at most 100 characters")
        now = self.clock.now()
        prefix = secrets.token_hex(6)
        secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        sites = await _sites(uow, principal.organization_id, data.role, data.site_ids)
        key = await uow.api_keys.add(
            ApiKey(
                organization_id=principal.organization_id,
                name=name,
                prefix=prefix,
                key_hash=_digest(secret),
                role=data.role,
                site_ids=sites,
                created_by=principal.name[:254],
                created_at=now,
            )
        )
        await record(
            uow,
            principal,
            "api_key.create",
            "api_key",
            key.id,
            {"name": name, "role": data.role, "site_ids": sites, "prefix": prefix},
            at=now,
        )
        return IssuedKey(key, secret)

    async def get_key(self, principal: Principal, key_id: int) -> ApiKey:
        async with self.uow(readonly=True) as uow:
            key = await uow.api_keys.get(principal.organization_id, key_id)
        if key is None:
            raise NotFound("API key", key_id)
        return key

    async def search_keys(
        self, principal: Principal, page: PageRequest, revoked: bool | None = None
    ) -> Page[ApiKey]:
        async with self.uow(readonly=True) as uow:
            return await uow.api_keys.search(principal.organization_id, page, revoked)

    async def revoke_key(self, principal: Principal, key_id: int) -> ApiKey:
        """The key stops working at once; revoking a revoked key changes nothing."""
        now = self.clock.now()
        async with self.uow() as uow:
            key = await uow.api_keys.get(principal.organization_id, key_id)
            if key is None:
                raise NotFound("API key", key_id)
            _may_manage(principal, key.role, "a key")
            if key.revoked_at is None:
                key.revoked_at = now
                await record(
                    uow,
                    principal,
                    "api_key.revoke",
                    "api_key",
                    key_id,
                    {"name": key.name, "prefix": key.prefix},
                    at=now,
                )
                await uow.commit()
        return key

    async def authenticate_key(self, secret: str, address: str | None = None) -> Principal | None:
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) > 16:
            return None
        async with self.uow(readonly=True) as uow:
            key = await uow.api_keys.by_prefix(parts[1])
        if key is None or not key.active:
            return None
        if not hmac.compare_digest(key.key_hash, _digest(secret)):
            return None
        assert key.id is not None
        now = self.clock.now()
        if key.last_used_at is None or now - key.last_used_at > KEY_TOUCH_INTERVAL:
            async with self.uow() as uow:
                await uow.api_keys.touch(key.id, now)
                await uow.commit()
        return Principal.of_key(key, address)
