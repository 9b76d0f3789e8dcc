from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from kilowatt.api.deps import AssetsRead, AssetsWrite, PageDep, ServicesDep
from kilowatt.api.schemas.common import Id, Page
from kilowatt.api.schemas.sites import SiteIn, SiteOut, SitePatch
from kilowatt.services.sites import SiteInput

router = APIRouter(prefix="/sites", tags=["sites"])


@router.get("", response_model=Page[SiteOut])
async def list_sites(
    services: ServicesDep,
    principal: AssetsRead,
    page: PageDep,
    q: Annotated[str | None, Query(description="Part of the name or city.")] = None,
) -> Page[SiteOut]:
    found = await services.sites.search(principal, page, q)
    return Page.of(found.items, found.next_cursor, SiteOut.model_validate)


@router.post("", response_model=SiteOut, status_code=201)
async def create_site(body: SiteIn, services: ServicesDep, principal: AssetsWrite) -> SiteOut:
    site = await services.sites.create(principal, SiteInput(**body.model_dump()))
    return SiteOut.model_validate(site)


@router.get("/{site_id}", response_model=SiteOut)
async def get_site(site_id: Id, services: ServicesDep, principal: AssetsRead) -> SiteOut:
    return SiteOut.model_validate(await services.sites.get(principal, site_id))


@router.patch("/{site_id}", response_model=SiteOut)
async def update_site(
    site_id: Id, body: SitePatch, services: ServicesDep, principal: AssetsWrite
) -> SiteOut:
    site = await services.sites.update(principal, site_id, body.model_dump(exclude_unset=True))
    return SiteOut.model_validate(site)


@router.delete("/{site_id}", status_code=204)
async def delete_site(site_id: Id, services: ServicesDep, principal: AssetsWrite) -> Response:
    await services.sites.delete(principal, site_id)
    return Response(status_code=204)
