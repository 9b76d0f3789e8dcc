from __future__ import annotations

from sqlalchemy import select

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.vendor import VendorTemplate
from kilowatt.persistence.models.vendor import vendor_templates
from kilowatt.persistence.repositories.base import Repository, page_of


class SqlVendorTemplateRepository(Repository):
    async def get(self, organization_id: int, template_id: int) -> VendorTemplate | None:
        query = select(VendorTemplate).where(
            vendor_templates.c.id == template_id,
            vendor_templates.c.organization_id == organization_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_name(self, organization_id: int, name: str) -> VendorTemplate | None:
        query = select(VendorTemplate).where(
            vendor_templates.c.name == name,
            vendor_templates.c.organization_id == organization_id,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def add(self, template: VendorTemplate) -> VendorTemplate:
        return await self._add(template)

    async def delete(self, template: VendorTemplate) -> None:
        await self._delete(template)

    async def search(self, organization_id: int, page: PageRequest) -> Page[VendorTemplate]:
        query = select(VendorTemplate).where(vendor_templates.c.organization_id == organization_id)
        return await page_of(self.session, query, vendor_templates.c.id, page)
