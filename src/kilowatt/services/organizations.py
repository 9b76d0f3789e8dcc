"""Organizations: the tenants every operator record belongs to. New ones are made with their
first owner by UserService.create_organization."""

from __future__ import annotations

from kilowatt.domain.errors import Forbidden, InvalidInput, NotFound
from kilowatt.domain.organizations import Organization
from kilowatt.domain.users import Principal
from kilowatt.services.audit import record
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

    async def require_two_factor(self, principal: Principal, value: bool) -> Organization:
        """Require (or stop requiring) two-factor sign-in of the organization's owners and
        admins: those without it are sent to enrol at their next page. The caller needs
        users:manage (checked at the edge) and the whole organization in scope."""
        if principal.limited:
            raise Forbidden("a caller limited to some sites cannot change the organization")
        async with self.uow() as uow:
            organization = await uow.organizations.get(principal.organization_id)
            if organization is None:
                raise NotFound("organization", principal.organization_id)
            before = organization.require_two_factor
            organization.require_two_factor = value
            if before != value:
                await record(
                    uow,
                    principal,
                    "organization.update",
                    "organization",
                    organization.id,
                    {"require_two_factor": [before, value]},
                    at=self.clock.now(),
                )
            await uow.commit()
        return organization
