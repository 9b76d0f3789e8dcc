"""Operator users, API keys, who is calling (Principal) and what they may see (Scope)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    FINANCE = "finance"
    VIEWER = "viewer"


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    """The command line, seeding, background work."""
    ANONYMOUS = "anonymous"
    """Someone not (yet) signed in: a failed login."""


def site_scope(site_ids: Iterable[int] | None) -> frozenset[int] | None:
    """None (every site of the organization) or the set of sites."""
    return None if site_ids is None else frozenset(int(s) for s in site_ids)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may see: one organization, and in it every site (``site_ids`` None) or
    only some. A station without a site is outside every limited scope."""

    organization_id: int
    site_ids: frozenset[int] | None = None

    @property
    def limited(self) -> bool:
        return self.site_ids is not None

    def allows_site(self, site_id: int | None) -> bool:
        return self.site_ids is None or (site_id is not None and site_id in self.site_ids)


@dataclass(eq=False)
class User:
    organization_id: int
    email: str
    password_hash: str
    role: Role
    created_at: datetime
    is_active: bool = True
    last_login_at: datetime | None = None
    name: str = ""
    site_ids: list[int] | None = None
    """None: every site of the organization; else only these."""
    updated_at: datetime | None = None
    totp_secret: str | None = field(default=None, repr=False)
    """The TOTP secret of two-factor sign-in (domain/two_factor.py); None: not enrolled."""
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None
    """The time step of the last code accepted: that code and older ones are spent."""
    recovery_codes: list[str] | None = field(default=None, repr=False)
    """SHA-256 digests of the unused recovery codes."""
    id: int | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def two_factor(self) -> bool:
        """Signs in with a second factor (a TOTP code or a recovery code)."""
        return self.totp_enabled_at is not None and bool(self.totp_secret)


@dataclass(eq=False)
class ApiKey:
    """A key is shown once; only its SHA-256 is kept. ``prefix`` finds it without a scan."""

    organization_id: int
    name: str
    prefix: str
    key_hash: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    site_ids: list[int] | None = None
    created_by: str = ""
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the organization they act in, their role, the sites they are limited to
    (None: all), and for the audit log what they are (user, API key...) and where from."""

    organization_id: int
    role: Role
    name: str
    site_ids: frozenset[int] | None = None
    kind: ActorKind = ActorKind.SYSTEM
    actor_id: int | None = None
    address: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.organization_id, self.site_ids)

    @property
    def limited(self) -> bool:
        return self.site_ids is not None

    def at(self, address: str | None) -> Principal:
        return replace(self, address=address)

    @classmethod
    def system(cls, organization_id: int, name: str = "system") -> Principal:
        """Kilowatt itself (or the command line) acting for an organization."""
        return cls(organization_id=organization_id, role=Role.OWNER, name=name)

    @classmethod
    def of_user(cls, user: User, address: str | None = None) -> Principal:
        assert user.id is not None
        return cls(
            organization_id=user.organization_id,
            role=user.role,
            name=user.email,
            site_ids=site_scope(user.site_ids),
            kind=ActorKind.USER,
            actor_id=user.id,
            address=address,
        )

    @classmethod
    def of_key(cls, key: ApiKey, address: str | None = None) -> Principal:
        assert key.id is not None
        return cls(
            organization_id=key.organization_id,
            role=key.role,
            name=key.name,
            site_ids=site_scope(key.site_ids),
            kind=ActorKind.API_KEY,
            actor_id=key.id,
            address=address,
        )
