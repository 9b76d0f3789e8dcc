"""Storage ports of the sites area."""

from __future__ import annotations

from typing import Protocol

from kilowatt.domain.paging import Page, PageRequest
from kilowatt.domain.sites import Site
from kilowatt.domain.users import Scope


class SiteRepository(Protocol):
    """Reads take a Scope: a caller limited to some sites finds only those."""

    async def get(self, scope: Scope, site_id: int) -> Site | None: ...
    async def search(
        self, scope: Scope, page: PageRequest, search: str | None = None
    ) -> Page[Site]: ...
    async def add(self, site: Site) -> Site: ...
    async def delete(self, site: Site) -> None: ...
