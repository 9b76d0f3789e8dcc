from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from kilowatt.api.schemas.common import Patch, Schema

SIGN_IN_HELP = (
    "At least 12 characters, kept only as an argon2id hash and never shown again; leave out "
    "for an account without a password (the driver cannot sign in until one is set)."
)


class DriverIn(Schema):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    password: str | None = Field(
        default=None, min_length=12, max_length=1024, description=SIGN_IN_HELP
    )


class DriverPatch(Patch):
    text_fields = frozenset({"name", "phone"})
    required_fields = frozenset({"email", "is_active", "password"})

    email: str | None = Field(default=None, min_length=3, max_length=254)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    password: str | None = Field(default=None, min_length=12, max_length=1024)
    is_active: bool | None = None


class DriverOut(Schema):
    id: int
    email: str
    name: str
    phone: str
    has_password: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class DayCount(Schema):
    day: date
    drivers: int
