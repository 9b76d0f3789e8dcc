from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.sql.elements import ColumnElement

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.sites import Site
from kilowatt.domain.users import Scope
from kilowatt.persistence.models.organizations import sites
from kilowatt.persistence.repositories.base import Repository, contains, page_of


class SqlSiteRepository(Repository):
    async def get(self, scope: Scope, site_id: int) -> Site | None:
        query = select(Site).where(sites.c.id == site_id, _in(scope))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def search(
        self, scope: Scope, page: PageRequest, search: str | None = None
    ) -> Page[Site]:
        query = select(Site).where(_in(scope))
        if search:
            query = query.where(contains(sites.c.name, search) | contains(sites.c.city, search))
        return await page_of(self.session, query, sites.c.id, page)

    async def add(self, site: Site) -> Site:
        return await self._add(site)

    async def delete(self, site: Site) -> None:
        await self._delete(site)


def _in(scope: Scope) -> ColumnElement[bool]:
    condition = sites.c.organization_id == scope.organization_id
    if scope.site_ids is not None:
        condition = condition & sites.c.id.in_(sorted(scope.site_ids))
    return condition
