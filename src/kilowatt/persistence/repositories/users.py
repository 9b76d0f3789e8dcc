from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from kilowatt.domain.users import ApiKey, User
from kilowatt.persistence.models.users import api_keys, users
from kilowatt.persistence.repositories.base import Repository


class SqlUserRepository(Repository):
    async def by_email(self, email: str) -> User | None:
        query = select(User).where(func.lower(users.c.email) == email.lower())
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, user: User) -> User:
        return await self._add(user)


class SqlApiKeyRepository(Repository):
    async def by_prefix(self, prefix: str) -> ApiKey | None:
        query = select(ApiKey).where(api_keys.c.prefix == prefix)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, key: ApiKey) -> ApiKey:
        return await self._add(key)

    async def touch(self, key_id: int, at: datetime) -> None:
        await self.session.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=at)
        )
