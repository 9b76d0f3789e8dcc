"""Organizations own every operator record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_ORGANIZATION_NAME = "Default"


@dataclass(eq=False)
class Organization:
    name: str
    created_at: datetime
    id: int | None = None
