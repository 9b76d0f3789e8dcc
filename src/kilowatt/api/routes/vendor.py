"""DataTransfer templates that operators run with the `vendor` command."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kilowatt.api.deps import AssetsRead, FirmwareManage, PageDep, ServicesDep
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.vendor import VendorTemplateIn, VendorTemplateOut, VendorTemplatePatch
from kilowatt.services.vendor import VendorTemplateInput

router = APIRouter(prefix="/vendor-templates", tags=["vendor templates"])


@router.get("", response_model=Page[VendorTemplateOut])
async def list_templates(
    services: ServicesDep, principal: AssetsRead, page: PageDep
) -> Page[VendorTemplateOut]:
    found = await services.vendor.search(principal, page)
    return Page.of(found.items, found.next_cursor, VendorTemplateOut.model_validate)


@router.post("", response_model=VendorTemplateOut, status_code=201, responses={409: {}})
async def create_template(
    body: VendorTemplateIn, services: ServicesDep, principal: FirmwareManage
) -> VendorTemplateOut:
    template = await services.vendor.create(principal, VendorTemplateInput(**body.model_dump()))
    return VendorTemplateOut.model_validate(template)


@router.get("/{template_id}", response_model=VendorTemplateOut)
async def get_template(
    template_id: Id, services: ServicesDep, principal: AssetsRead
) -> VendorTemplateOut:
    template = await services.vendor.get(principal, template_id)
    return VendorTemplateOut.model_validate(template)


@router.patch("/{template_id}", response_model=VendorTemplateOut, responses={409: {}})
async def update_template(
    template_id: Id, body: VendorTemplatePatch, services: ServicesDep, principal: FirmwareManage
) -> VendorTemplateOut:
    template = await services.vendor.update(
        principal, template_id, body.model_dump(exclude_unset=True)
    )
    return VendorTemplateOut.model_validate(template)


@router.delete("/{template_id}", status_code=204)
async def delete_template(
    template_id: Id, services: ServicesDep, principal: FirmwareManage
) -> Response:
    await services.vendor.delete(principal, template_id)
    return Response(status_code=204)
