"""Organizations: the tenants every operator record belongs to. New ones are made with their
first owner by UserService.create_organization."""

from __future__ import annotations

from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.organizations import Organization
from kilowatt.services.base import Service


class OrganizationService(Service):
    async def ensure(self, name: str) -> Organization:
        """The organization called ``name``, created when missing (seeding, tests)."""
        if not name.strip():
            raise InvalidInput("name", "must not be empty")
        async with self.uow() as uow:
            organization = await uow.organizations.get_by_name(name.strip())
            if organization is None:
                organization = await uow.organizations.add(
                    Organization(name=name.strip(), created_at=self.clock.now())
                )
                await uow.commit()
        return organization

    async def get(self, organization_id: int) -> Organization:
        async with self.uow(readonly=True) as uow:
            organization = await uow.organizations.get(organization_id)
        if organization is None:
            raise NotFound("organization", organization_id)
        return organization

    async def by_name(self, name: str) -> Organization:
        async with self.uow(readonly=True) as uow:
            organization = await uow.organizations.get_by_name(name.strip())
        if organization is None:
            raise NotFound("organization", name)
        return organization
