from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from kilowatt.api.schemas.common import Id, Patch, Schema
from kilowatt.domain.users import ActorKind, Role

SITES = (
    "Limit to these sites (a landlord or employer sees only its own); leave out or null for "
    "every site of the organization."
)


class UserIn(Schema):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(
        min_length=12, max_length=1024, description="At least 12 characters; never shown again."
    )
    role: Role
    name: str = Field(default="", max_length=200)
    site_ids: list[Id] | None = Field(default=None, max_length=1000, description=SITES)


class UserPatch(Patch):
    text_fields = frozenset({"name"})
    required_fields = frozenset({"role", "is_active", "password"})

    name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    site_ids: list[Id] | None = Field(
        default=None, max_length=1000, description=SITES + " null: every site."
    )
    is_active: bool | None = Field(
        default=None, description="false: the account can no longer sign in (sessions end)."
    )
    password: str | None = Field(default=None, min_length=12, max_length=1024)


class UserOut(Schema):
    id: int
    email: str
    name: str
    role: Role
    site_ids: list[int] | None
    is_active: bool
    created_at: datetime
    updated_at: datetime | None
    last_login_at: datetime | None
    two_factor: bool = Field(
        description="Signs in with a second factor (an authenticator app's code) after the "
        "password."
    )


class ApiKeyIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="What the key is for.")
    role: Role
    site_ids: list[Id] | None = Field(default=None, max_length=1000, description=SITES)


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The part after `kw_` that names the key; not secret.")
    role: Role
    site_ids: list[int] | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class IssuedKeyOut(ApiKeyOut):
    secret: str = Field(description="The key itself. Shown this once; Kilowatt keeps only a hash.")


class AuditEntryOut(Schema):
    id: int
    at: datetime
    action: str
    actor_type: ActorKind
    actor_id: int | None
    actor_name: str
    object_type: str
    object_id: str
    changes: dict[str, Any]
    client_address: str | None


class OrganizationOut(Schema):
    id: int
    name: str
    created_at: datetime
    require_two_factor: bool = Field(
        description="Owners and admins must sign in to the dashboard with two factors."
    )


class OrganizationPatch(Schema):
    require_two_factor: bool = Field(
        description="Require two-factor sign-in of the organization's owners and admins: "
        "those without it are sent to set it up at their next page."
    )


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    owner_email: str | None = Field(
        default=None, max_length=254, description="Its first owner's account (with a password)."
    )
    owner_password: str | None = Field(default=None, min_length=12, max_length=1024)
    owner_name: str = Field(default="", max_length=200)


class NewOrganizationOut(OrganizationOut):
    owner_key: IssuedKeyOut = Field(description="An owner API key of the new organization.")
    owner: UserOut | None = None
