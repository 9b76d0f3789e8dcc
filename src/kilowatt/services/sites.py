"""Sites: create, read, change, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.sites import Site, check_coordinates, check_timezone
from kilowatt.services.base import Service
from kilowatt.services.ports import UnitOfWork

SITE_FIELDS = frozenset(
    {
        "name",
        "address",
        "city",
        "postal_code",
        "country",
        "latitude",
        "longitude",
        "timezone",
        "grid_capacity_w",
    }
)


@dataclass(frozen=True, slots=True)
class SiteInput:
    name: str
    timezone: str = "UTC"
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None
    grid_capacity_w: int | None = None


def _check(site: Site) -> None:
    if not site.name.strip():
        raise InvalidInput("name", "must not be empty")
    check_timezone(site.timezone)
    check_coordinates(site.latitude, site.longitude)
    if site.grid_capacity_w is not None and site.grid_capacity_w <= 0:
        raise InvalidInput("grid_capacity_w", "must be positive")


class SiteService(Service):
    async def create(self, organization_id: int, data: SiteInput) -> Site:
        now = self.clock.now()
        site = Site(
            organization_id=organization_id,
            name=data.name.strip(),
            timezone=data.timezone,
            address=data.address,
            city=data.city,
            postal_code=data.postal_code,
            country=data.country.upper(),
            latitude=data.latitude,
            longitude=data.longitude,
            grid_capacity_w=data.grid_capacity_w,
            created_at=now,
            updated_at=now,
        )
        _check(site)
        async with self.uow() as uow:
            await uow.sites.add(site)
            await uow.commit()
        return site

    async def get(self, organization_id: int, site_id: int) -> Site:
        async with self.uow(readonly=True) as uow:
            return await self._get(uow, organization_id, site_id)

    async def search(
        self, organization_id: int, page: PageRequest, search: str | None = None
    ) -> Page[Site]:
        async with self.uow(readonly=True) as uow:
            return await uow.sites.search(organization_id, page, search)

    async def update(self, organization_id: int, site_id: int, changes: dict[str, Any]) -> Site:
        unknown = set(changes) - SITE_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        async with self.uow() as uow:
            site = await self._get(uow, organization_id, site_id)
            for name, value in changes.items():
                setattr(site, name, value.upper() if name == "country" and value else value)
            site.updated_at = self.clock.now()
            _check(site)
            await uow.commit()
        return site

    async def delete(self, organization_id: int, site_id: int) -> None:
        async with self.uow() as uow:
            site = await self._get(uow, organization_id, site_id)
            count = await uow.stations.count_at_site(site_id)
            if count:
                raise Conflict(
                    f"site {site_id} still has {count} station(s); move or delete them first"
                )
            await uow.sites.delete(site)
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, organization_id: int, site_id: int) -> Site:
        site = await uow.sites.get(organization_id, site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site
