from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import case, func, select, update

from kilowatt.domain.drivers import Driver
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import IdToken, IdTokenType, TokenGroup
from kilowatt.persistence.models.drivers import drivers
from kilowatt.persistence.models.tokens import id_tokens, token_groups
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.services.ports import TokenFilter, TokenGroupFilter


class SqlTokenRepository(Repository):
    async def get(self, organization_id: int, token_id: int) -> IdToken | None:
        query = select(IdToken).where(
            id_tokens.c.id == token_id, id_tokens.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def find(
        self, organization_id: int, value: str, type: IdTokenType | None = None
    ) -> IdToken | None:
        """The token with this value; with ``type``, an exact match first. 1.6 idTags carry no
        type and are compared case-insensitively (CiString20Type)."""
        query = select(IdToken).where(id_tokens.c.organization_id == organization_id)
        if type is None:
            query = query.where(func.lower(id_tokens.c.value) == value.lower()).order_by(
                case((id_tokens.c.value == value, 0), else_=1), id_tokens.c.id
            )
        else:
            query = query.where(id_tokens.c.value == value).order_by(
                case((id_tokens.c.type == type, 0), else_=1), id_tokens.c.id
            )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def search(
        self, organization_id: int, page: PageRequest, where: TokenFilter
    ) -> Page[IdToken]:
        query = select(IdToken).where(id_tokens.c.organization_id == organization_id)
        if where.status is not None:
            query = query.where(id_tokens.c.status == where.status)
        if where.type is not None:
            query = query.where(id_tokens.c.type == where.type)
        if where.parent_id_tag is not None:
            query = query.where(
                id_tokens.c.group_id.in_(
                    select(token_groups.c.id).where(
                        token_groups.c.organization_id == organization_id,
                        token_groups.c.parent_id_tag == where.parent_id_tag,
                    )
                )
            )
        if where.group_id is not None:
            query = query.where(id_tokens.c.group_id == where.group_id)
        if where.group_ids is not None:
            query = query.where(id_tokens.c.group_id.in_(sorted(where.group_ids)))
        if where.driver_id is not None:
            query = query.where(id_tokens.c.driver_id == where.driver_id)
        if where.wallet_id is not None:
            query = query.where(id_tokens.c.wallet_id == where.wallet_id)
        if where.search:
            query = query.where(
                contains(id_tokens.c.value, where.search)
                | contains(id_tokens.c.label, where.search)
            )
        return await page_of(self.session, query, id_tokens.c.id, page)

    async def add(self, token: IdToken) -> IdToken:
        return await self._add(token)

    async def delete(self, token: IdToken) -> None:
        await self._delete(token)

    async def leave_group(self, group_id: int) -> int:
        result = await self.session.execute(
            update(id_tokens).where(id_tokens.c.group_id == group_id).values(group_id=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def leave_driver(self, driver_id: int) -> int:
        result = await self.session.execute(
            update(id_tokens).where(id_tokens.c.driver_id == driver_id).values(driver_id=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def pick(
        self, organization_id: int, text: str, limit: int
    ) -> list[tuple[IdToken, Driver | None]]:
        query = (
            select(IdToken, Driver)
            .select_from(id_tokens)
            .outerjoin(drivers, drivers.c.id == id_tokens.c.driver_id)
            .where(
                id_tokens.c.organization_id == organization_id,
                contains(id_tokens.c.value, text)
                | contains(id_tokens.c.label, text)
                | contains(drivers.c.name, text)
                | contains(drivers.c.email, text),
            )
            .order_by(
                case((func.lower(id_tokens.c.value) == text.lower(), 0), else_=1),
                func.lower(drivers.c.name),
                id_tokens.c.value,
                id_tokens.c.id,
            )
            .limit(limit)
        )
        rows = (await self.session.execute(query)).all()
        return [(row[0], row[1]) for row in rows]


class SqlTokenGroupRepository(Repository):
    async def get(self, organization_id: int, group_id: int) -> TokenGroup | None:
        query = select(TokenGroup).where(
            token_groups.c.id == group_id, token_groups.c.organization_id == organization_id
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_parent_id_tag(self, organization_id: int, parent_id_tag: str) -> TokenGroup | None:
        query = select(TokenGroup).where(
            token_groups.c.organization_id == organization_id,
            token_groups.c.parent_id_tag == parent_id_tag,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_ids(self, organization_id: int, group_ids: Collection[int]) -> list[TokenGroup]:
        if not group_ids:
            return []
        query = select(TokenGroup).where(
            token_groups.c.organization_id == organization_id,
            token_groups.c.id.in_(sorted(group_ids)),
        )
        return list((await self.session.execute(query)).scalars())

    async def search(
        self, organization_id: int, page: PageRequest, where: TokenGroupFilter
    ) -> Page[TokenGroup]:
        query = select(TokenGroup).where(token_groups.c.organization_id == organization_id)
        if where.kind is not None:
            query = query.where(token_groups.c.kind == where.kind)
        if where.search:
            query = query.where(
                contains(token_groups.c.name, where.search)
                | contains(token_groups.c.description, where.search)
                | contains(func.coalesce(token_groups.c.parent_id_tag, ""), where.search)
            )
        return await page_of(self.session, query, token_groups.c.id, page)

    async def token_counts(self, group_ids: Collection[int]) -> dict[int, int]:
        if not group_ids:
            return {}
        query = (
            select(id_tokens.c.group_id, func.count())
            .where(id_tokens.c.group_id.in_(sorted(group_ids)))
            .group_by(id_tokens.c.group_id)
        )
        counts = {int(row[0]): int(row[1]) for row in await self.session.execute(query)}
        return {group_id: counts.get(group_id, 0) for group_id in group_ids}

    async def add(self, group: TokenGroup) -> TokenGroup:
        return await self._add(group)

    async def delete(self, group: TokenGroup) -> None:
        await self._delete(group)
