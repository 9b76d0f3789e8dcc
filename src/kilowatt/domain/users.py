"""Operator users and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    FINANCE = "finance"
    VIEWER = "viewer"


@dataclass(eq=False)
class User:
    organization_id: int
    email: str
    password_hash: str
    role: Role
    created_at: datetime
    is_active: bool = True
    last_login_at: datetime | None = None
    id: int | None = None


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
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the organization they act in and their role."""

    organization_id: int
    role: Role
    name: str
