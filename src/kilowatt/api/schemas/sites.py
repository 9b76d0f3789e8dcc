from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kilowatt.api.schemas.common import Patch, Positive, Schema
from kilowatt.domain.access import AccessMode

ACCESS = (
    "public: any valid token of the organization may charge here; private: only the token "
    "groups an access rule grants (see /access-rules)."
)


class SiteIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="UTC", description="IANA time zone, e.g. Europe/Helsinki.")
    address: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=120)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2.")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    grid_capacity_w: Positive | None = None
    access: AccessMode = Field(default=AccessMode.PUBLIC, description=ACCESS)


class SitePatch(Patch):
    text_fields = frozenset({"address", "city", "postal_code", "country"})
    required_fields = frozenset({"name", "timezone", "access"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = None
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    grid_capacity_w: Positive | None = None
    access: AccessMode | None = Field(default=None, description=ACCESS)


class SiteOut(Schema):
    id: int
    name: str
    timezone: str
    address: str
    city: str
    postal_code: str
    country: str
    latitude: float | None
    longitude: float | None
    grid_capacity_w: int | None
    access: AccessMode
    created_at: datetime
    updated_at: datetime
