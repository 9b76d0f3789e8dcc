"""Sites: create, read, change, delete."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kilowatt.domain.access import AccessMode
from kilowatt.domain.audit import changes_of
from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.sites import Site, check_coordinates, check_timezone
from kilowatt.domain.users import Principal, Scope
from kilowatt.services.audit import record
from kilowatt.services.base import Service
from kilowatt.services.ports import UnitOfWork
from kilowatt.services.tariffs import forget_site

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
        "access",
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
    access: AccessMode = AccessMode.PUBLIC


def _check(site: Site) -> None:
    if not site.name.strip():
        raise InvalidInput("name", "must not be empty")
    check_timezone(site.timezone)
    check_coordinates(site.latitude, site.longitude)
    if site.grid_capacity_w is not None and site.grid_capacity_w <= 0:
        raise InvalidInput("grid_capacity_w", "must be positive")


def _fields(site: Site) -> dict[str, Any]:
    return {name: getattr(site, name) for name in SITE_FIELDS}


class SiteService(Service):
    async def create(self, principal: Principal, data: SiteInput) -> Site:
        if principal.limited:
            # A new site would lie outside the caller's own sites at once.
            raise Forbidden("you are limited to some sites and cannot create sites")
        now = self.clock.now()
        site = Site(
            organization_id=principal.organization_id,
            name=data.name.strip(),
            timezone=data.timezone,
            address=data.address,
            city=data.city,
            postal_code=data.postal_code,
            country=data.country.upper(),
            latitude=data.latitude,
            longitude=data.longitude,
            grid_capacity_w=data.grid_capacity_w,
            access=data.access,
            created_at=now,
            updated_at=now,
        )
        _check(site)
        async with self.uow() as uow:
            await uow.sites.add(site)
            await record(uow, principal, "site.create", "site", site.id, asdict(data), at=now)
            await uow.commit()
        return site

    async def get(self, principal: Principal, site_id: int) -> Site:
        async with self.uow(readonly=True) as uow:
            return await self._get(uow, principal.scope, site_id)

    async def search(
        self, principal: Principal, page: PageRequest, search: str | None = None
    ) -> Page[Site]:
        async with self.uow(readonly=True) as uow:
            return await uow.sites.search(principal.scope, page, search)

    async def update(self, principal: Principal, site_id: int, changes: dict[str, Any]) -> Site:
        unknown = set(changes) - SITE_FIELDS
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "cannot be changed")
        async with self.uow() as uow:
            site = await self._get(uow, principal.scope, site_id)
            before = _fields(site)
            for name, value in changes.items():
                setattr(site, name, value.upper() if name == "country" and value else value)
            site.updated_at = self.clock.now()
            _check(site)
            await record(
                uow,
                principal,
                "site.update",
                "site",
                site_id,
                changes_of(before, _fields(site)),
                at=site.updated_at,
            )
            await uow.commit()
        return site

    async def delete(self, principal: Principal, site_id: int) -> None:
        now = self.clock.now()
        async with self.uow() as uow:
            site = await self._get(uow, principal.scope, site_id)
            count = await uow.stations.count_at_site(site_id)
            if count:
                raise Conflict(
                    f"site {site_id} still has {count} station(s); move or delete them first"
                )
            await remove_site(uow, principal, site, now)
            await uow.commit()

    @staticmethod
    async def _get(uow: UnitOfWork, scope: Scope, site_id: int) -> Site:
        site = await uow.sites.get(scope, site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site


async def remove_site(uow: UnitOfWork, principal: Principal, site: Site, now: datetime) -> None:
    """Delete ``site`` (which has no stations left) in ``uow``, recorded in the audit log."""
    assert site.id is not None
    site_id = site.id
    # Accounts and keys limited to this site lose it: a later site that happened to get the
    # same id must not fall into their scope.
    organization_id = principal.organization_id
    for user in await uow.users.with_site(organization_id, site_id):
        user.site_ids = [s for s in user.site_ids or [] if s != site_id]
    for key in await uow.api_keys.with_site(organization_id, site_id):
        key.site_ids = [s for s in key.site_ids or [] if s != site_id]
    await forget_site(uow, organization_id, site_id)
    await uow.sites.delete(site)
    await record(uow, principal, "site.delete", "site", site_id, {"name": site.name}, at=now)
