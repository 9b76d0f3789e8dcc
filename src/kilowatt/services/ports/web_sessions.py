"""Storage ports of the web sessions area."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kilowatt.domain.web_sessions import WebSession


class WebSessionRepository(Protocol):
    async def get(self, key: str) -> WebSession | None: ...
    async def add(self, session: WebSession) -> WebSession: ...
    async def delete(self, session: WebSession) -> None: ...
    async def delete_for_user(self, user_id: int) -> int: ...
    async def purge(self, now: datetime, idle_before: datetime) -> int:
        """Remove the sessions past their absolute expiry or idle since before then."""
        ...
