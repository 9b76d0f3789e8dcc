"""Organizations: the tenants every operator record belongs to."""

from __future__ import annotations

from kilowatt.domain.errors import InvalidInput
from kilowatt.domain.organizations import Organization
from kilowatt.services.base import Service


class OrganizationService(Service):
    async def ensure(self, name: str) -> Organization:
        """The organization called ``name``, created when missing."""
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
