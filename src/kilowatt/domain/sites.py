"""Sites: a place with stations, a time zone and a grid connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kilowatt.domain.access import AccessMode
from kilowatt.domain.errors import InvalidInput


@dataclass(eq=False)
class Site:
    organization_id: int
    name: str
    timezone: str
    created_at: datetime
    updated_at: datetime
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    grid_capacity_w: int | None = None
    access: AccessMode = AccessMode.PUBLIC
    """Public: any valid token of the organization may charge; private: only the token groups
    an access rule grants (domain/access.py)."""
    id: int | None = None


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            "timezone", f"unknown time zone {name!r}", reason="unknown_time_zone"
        ) from exc
    return name


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "latitude", "latitude and longitude go together", reason="coordinates_pair"
        )
    if latitude is not None and not -90.0 <= latitude <= 90.0:
        raise InvalidInput("latitude", "must be between -90 and 90")
    if longitude is not None and not -180.0 <= longitude <= 180.0:
        raise InvalidInput("longitude", "must be between -180 and 180")
