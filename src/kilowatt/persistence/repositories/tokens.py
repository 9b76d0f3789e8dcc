from __future__ import annotations

from sqlalchemy import case, func, select

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.tokens import IdToken, IdTokenType
from kilowatt.persistence.models.tokens import id_tokens
from kilowatt.persistence.repositories.base import Repository, contains, page_of
from kilowatt.services.ports import TokenFilter


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
        if where.group_id is not None:
            query = query.where(id_tokens.c.group_id == where.group_id)
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
