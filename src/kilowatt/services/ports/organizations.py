"""Storage ports of the organizations area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.organizations import Organization


class OrganizationRepository(Protocol):
    async def get(self, organization_id: int) -> Organization | None: ...
    async def get_by_name(self, name: str) -> Organization | None: ...
    async def first(self) -> Organization | None: ...
    async def add(self, organization: Organization) -> Organization: ...
