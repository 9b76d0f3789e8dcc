"""The assets overview: a page of sites and a page of stations, with the notice after a change."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.paging import PageRequest
from kilowatt.services.ports import StationFilter
from kilowatt.web.kit.forms import Cursor
from kilowatt.web.operator.context import AssetsPage
from kilowatt.web.operator.routes.assets.common import (
    NoticeQuery,
    all_sites,
    notice_text,
    station_url,
)

router = APIRouter()

LIST_LIMIT = 200


class OverviewQuery(NoticeQuery):
    sites_after: Cursor = None
    stations_after: Cursor = None


@router.get("/assets")
async def overview(page: AssetsPage) -> Response:
    services = page.web.services
    query = page.web.query(OverviewQuery).data
    sites = await services.sites.search(page.principal, PageRequest(LIST_LIMIT, query.sites_after))
    stations = await services.stations.search(
        page.principal, PageRequest(LIST_LIMIT, query.stations_after), StationFilter()
    )
    site_names = {s.id: s.name for s in await all_sites(page)}
    notice = query.notice
    return page.render(
        "assets/index.html",
        {
            "sites": sites.items,
            "stations": stations.items,
            "site_names": site_names,
            "sites_next": f"/assets?sites_after={sites.next_cursor}#sites"
            if sites.next_cursor
            else "",
            "stations_next": f"/assets?stations_after={stations.next_cursor}#stations"
            if stations.next_cursor
            else "",
            "notice": notice_text(page, notice),
            "station_url": station_url,
        },
    )
