"""Operator accounts and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.users import ApiKey, Principal, Role, User
from kilowatt.services.base import Service
from kilowatt.services.provisioning import default_organization

API_KEY_PREFIX = "kw"
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str
    """The whole key, shown to its owner once and never stored."""


def _digest(secret: str) -> str:
    # API keys carry 256 random bits: a fast hash is safe for them, unlike passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


class UserService(Service):
    hasher = PasswordHasher()

    async def create_user(
        self, email: str, password: str, role: Role = Role.ADMIN, organization_id: int | None = None
    ) -> User:
        email = email.strip()
        if "@" not in email or len(email) > 254:
            raise InvalidInput("email", "not an email address")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
        now = self.clock.now()
        async with self.uow() as uow:
            if await uow.users.by_email(email) is not None:
                raise Conflict(f"a user with email {email} already exists")
            if organization_id is None:
                organization = await default_organization(uow, now)
                assert organization.id is not None
                organization_id = organization.id
            user = await uow.users.add(
                User(
                    organization_id=organization_id,
                    email=email,
                    password_hash=self.hasher.hash(password),
                    role=role,
                    created_at=now,
                )
            )
            await uow.commit()
        return user

    async def set_password(self, email: str, password: str) -> User:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
        async with self.uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                raise NotFound("user", email)
            user.password_hash = self.hasher.hash(password)
            await uow.commit()
        return user

    async def check_password(self, email: str, password: str) -> User | None:
        async with self.uow(readonly=True) as uow:
            user = await uow.users.by_email(email)
        if user is None or not user.is_active:
            # Spend the time of a real check: a login must not reveal which emails exist.
            self.hasher.hash(password)
            return None
        try:
            self.hasher.verify(user.password_hash, password)
        except VerificationError:
            return None
        return user

    async def create_api_key(
        self, name: str, role: Role = Role.ADMIN, organization_id: int | None = None
    ) -> IssuedKey:
        if not name.strip():
            raise InvalidInput("name", "must not be empty")
        now = self.clock.now()
        prefix = secrets.token_hex(6)
        secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        async with self.uow() as uow:
            if organization_id is None:
                organization = await default_organization(uow, now)
                assert organization.id is not None
                organization_id = organization.id
            key = await uow.api_keys.add(
                ApiKey(
                    organization_id=organization_id,
                    name=name.strip(),
                    prefix=prefix,
                    key_hash=_digest(secret),
                    role=role,
                    created_at=now,
                )
            )
            await uow.commit()
        return IssuedKey(key, secret)

    async def authenticate_key(self, secret: str) -> Principal | None:
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
            return None
        async with self.uow(readonly=True) as uow:
            key = await uow.api_keys.by_prefix(parts[1])
        if key is None or not key.active:
            return None
        if not hmac.compare_digest(key.key_hash, _digest(secret)):
            return None
        return Principal(organization_id=key.organization_id, role=key.role, name=key.name)
