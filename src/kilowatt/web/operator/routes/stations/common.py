"""What the station's pages share: finding the station and its site."""

from __future__ import annotations

from kilowatt.domain.errors import NotFound
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import Station
from kilowatt.services.stations import StationDetail
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import Page


async def find_station(page: Page, ocpp_id: str) -> StationDetail:
    try:
        return await page.web.services.stations.get(page.principal, ocpp_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such station.")) from None


async def site_of(page: Page, station: Station) -> Site | None:
    """The station's site, None without one (or one the caller cannot see)."""
    if station.site_id is None:
        return None
    try:
        return await page.web.services.sites.get(page.principal, station.site_id)
    except NotFound:
        return None
