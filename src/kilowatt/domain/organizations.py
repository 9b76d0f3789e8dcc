"""Organizations own every operator record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_ORGANIZATION_NAME = "Default"


@dataclass(eq=False)
class Organization:
    name: str
    created_at: datetime
    require_two_factor: bool = False
    """Owners and admins must sign in with a second factor (they enrol at their next
    sign-in)."""
    id: int | None = None
