"""Operators' sign-in sessions of the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from kilowatt.domain.web_sessions import WebSession
from kilowatt.persistence.models.web_sessions import web_sessions
from kilowatt.persistence.repositories.base import Repository


class SqlWebSessionRepository(Repository):
    async def get(self, key: str) -> WebSession | None:
        return await self.session.get(WebSession, key)

    async def add(self, session: WebSession) -> WebSession:
        return await self._add(session)

    async def delete(self, session: WebSession) -> None:
        await self._delete(session)

    async def delete_for_user(self, user_id: int) -> int:
        result = await self.session.execute(
            delete(web_sessions).where(
                (web_sessions.c.user_id == user_id) | (web_sessions.c.pending_user_id == user_id)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, now: datetime, idle_before: datetime) -> int:
        result = await self.session.execute(
            delete(web_sessions).where(
                (web_sessions.c.expires_at <= now) | (web_sessions.c.last_seen_at < idle_before)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
