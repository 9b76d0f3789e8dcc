"""Storage ports of the audit area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kilowatt.domain.audit import AuditEntry
from kilowatt.domain.paging import Page, PageRequest


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_type: str | None = None
    actor_id: int | None = None
    actor_name: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Protocol):
    """Append-only: entries are added and read, never changed or removed."""

    async def add(self, entry: AuditEntry) -> AuditEntry: ...
    async def search(
        self, organization_id: int, page: PageRequest, where: AuditFilter
    ) -> Page[AuditEntry]: ...
    async def count(
        self,
        action: str,
        since: datetime,
        *,
        object_id: str | None = None,
        client_address: str | None = None,
    ) -> int:
        """Entries of ``action`` since then, for that object and/or that address."""
        ...

    async def update(self, *args: Any, **kwargs: Any) -> None:
        """Always refuses (AppendOnly)."""
        ...

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        """Always refuses (AppendOnly)."""
        ...
