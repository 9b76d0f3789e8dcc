from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kilowatt.api.schemas.common import Id, Patch, Schema
from kilowatt.domain.tokens import AuthorizationStatus

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
WINDOWS = (
    "When the rule lets the group charge, in the site's local time (UTC for a station "
    "without a site); empty: at any time."
)


class WindowIn(Schema):
    days: list[Day] = Field(min_length=1, max_length=7, description="The days it opens on.")
    start: str = Field(pattern=CLOCK, description="Opens at (HH:MM, local wall-clock time).")
    end: str = Field(
        pattern=CLOCK,
        description="Closes at (HH:MM); not after start: on the next day (it crosses "
        "midnight); equal to start: 24 hours later.",
    )


class WindowOut(Schema):
    days: list[Day]
    start: str
    end: str


class AccessRuleIn(Schema):
    token_group_id: Id
    site_id: Id | None = Field(default=None, description="Every station of this site...")
    station_id: str | None = Field(
        default=None, min_length=1, max_length=48, description="...or this one station."
    )
    windows: list[WindowIn] = Field(default_factory=list, max_length=28, description=WINDOWS)
    description: str = Field(default="", max_length=500)


class AccessRulePatch(Patch):
    text_fields = frozenset({"description"})

    windows: list[WindowIn] | None = Field(
        default=None, max_length=28, description=WINDOWS + " null: at any time."
    )
    description: str | None = Field(default=None, max_length=500)


class AccessRuleOut(Schema):
    id: int
    token_group_id: int
    site_id: int | None
    station_id: str | None
    windows: list[WindowOut]
    description: str
    created_at: datetime
    updated_at: datetime


class AccessCheckIn(Schema):
    id_tag: str = Field(min_length=1, max_length=255, description="The token's value.")


class AccessCheckOut(Schema):
    status: AuthorizationStatus = Field(
        description="As OCPP 2.0.1 would say it; 1.6 hears Invalid for Unknown, "
        "NotAtThisLocation and NotAtThisTime."
    )
    expires_at: datetime | None = Field(
        description="Until when the answer holds: the token's expiry, or sooner when a time "
        "window closes (or, refused for the time, opens)."
    )
    group_id: str | None = Field(description="The parent id tag of the token's group.")
