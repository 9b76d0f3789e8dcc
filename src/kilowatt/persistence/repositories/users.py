from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.users import ApiKey, Role, User
from kilowatt.persistence.models.users import api_keys, users
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.services.ports import UserFilter


class SqlUserRepository(Repository):
    async def by_email(self, email: str) -> User | None:
        query = select(User).where(func.lower(users.c.email) == email.lower())
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, organization_id: int, user_id: int) -> User | None:
        query = select(User).where(
            users.c.id == user_id, users.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_any(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def search(
        self, organization_id: int, page: PageRequest, where: UserFilter
    ) -> Page[User]:
        query = select(User).where(users.c.organization_id == organization_id)
        if where.role is not None:
            query = query.where(users.c.role == where.role)
        if where.active is not None:
            query = query.where(users.c.is_active.is_(where.active))
        if where.search:
            query = query.where(
                contains(users.c.email, where.search) | contains(users.c.name, where.search)
            )
        return await page_of(self.session, query, users.c.id, page)

    async def count_active_owners(self, organization_id: int) -> int:
        query = (
            select(func.count())
            .select_from(users)
            .where(
                users.c.organization_id == organization_id,
                users.c.role == Role.OWNER,
                users.c.is_active.is_(True),
            )
        )
        return int((await self.session.execute(query)).scalar_one())

    async def add(self, user: User) -> User:
        return await self._add(user)

    async def delete(self, user: User) -> None:
        await self._delete(user)

    async def with_site(self, organization_id: int, site_id: int) -> list[User]:
        # Few accounts per organization: the JSON list is read here rather than in SQL, which
        # has no portable "JSON array contains" across SQLite and PostgreSQL.
        query = select(User).where(
            users.c.organization_id == organization_id, users.c.site_ids.is_not(None)
        )
        found = (await self.session.execute(query)).scalars()
        return [user for user in found if user.site_ids and site_id in user.site_ids]


class SqlApiKeyRepository(Repository):
    async def by_prefix(self, prefix: str) -> ApiKey | None:
        query = select(ApiKey).where(api_keys.c.prefix == prefix)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, organization_id: int, key_id: int) -> ApiKey | None:
        query = select(ApiKey).where(
            api_keys.c.id == key_id, api_keys.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self, organization_id: int, page: PageRequest, revoked: bool | None = None
    ) -> Page[ApiKey]:
        query = select(ApiKey).where(api_keys.c.organization_id == organization_id)
        if revoked is not None:
            column = api_keys.c.revoked_at
            query = query.where(column.is_not(None) if revoked else column.is_(None))
        return await page_of(self.session, query, api_keys.c.id, page)

    async def add(self, key: ApiKey) -> ApiKey:
        return await self._add(key)

    async def touch(self, key_id: int, at: datetime) -> None:
        await self.session.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=at)
        )

    async def with_site(self, organization_id: int, site_id: int) -> list[ApiKey]:
        query = select(ApiKey).where(
            api_keys.c.organization_id == organization_id, api_keys.c.site_ids.is_not(None)
        )
        found = (await self.session.execute(query)).scalars()
        return [key for key in found if key.site_ids and site_id in key.site_ids]
