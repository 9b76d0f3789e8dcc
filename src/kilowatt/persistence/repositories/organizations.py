from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.organizations import Organization
from kilowatt.persistence.models.organizations import organizations
from kilowatt.persistence.repositories.base import Repository


class SqlOrganizationRepository(Repository):
    async def get(self, organization_id: int) -> Organization | None:
        return await self.session.get(Organization, organization_id)

    async def get_by_name(self, name: str) -> Organization | None:
        query = select(Organization).where(organizations.c.name == name)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def first(self) -> Organization | None:
        query = select(Organization).order_by(organizations.c.id).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, organization: Organization) -> Organization:
        return await self._add(organization)
