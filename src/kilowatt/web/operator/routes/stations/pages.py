"""The stations list (/stations) and a station's page (/stations/{id}): its facts,
connectors, faults, device model, message log and command forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.exports import format_local
from kilowatt.domain.faults import FaultFilter
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.services.ports import StationFilter
from kilowatt.web.kit.forms import Cursor, Fields, Id, Search
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.stations.commands import recent_commands, trigger_words
from kilowatt.web.operator.routes.stations.common import find_station, site_of
from kilowatt.web.operator.routes.stations.diagnostics import diagnostics_context
from kilowatt.web.operator.routes.stations.firmware import firmware_context
from kilowatt.web.operator.routes.stations.log import COMMON_ACTIONS, log_of
from kilowatt.web.operator.routes.stations.model import model_of
from kilowatt.web.operator.routes.stations.operations import operations_context
from kilowatt.web.operator.routes.stations.tools import tool_context
from kilowatt.web.operator.rows.faults import FaultRow
from kilowatt.web.operator.rows.stations import ConnectorRow, StationRow

router = APIRouter()

PAGE_SIZE = 50
PAST_FAULTS = 20


class StationSearch(Fields):
    q: Search = ""
    online: Literal["online", "offline"] | None = None
    site: Id = None
    cursor: Cursor = None


async def _sites(page: Page) -> dict[int, Site]:
    sites = await page.web.services.sites.search(page.principal, PageRequest(limit=MAX_PAGE))
    return {site.id: site for site in sites.items if site.id is not None}


@router.get("/stations")
async def stations_list(page: AssetsPage) -> Response:
    reading = page.web.query(StationSearch)
    search = reading.data
    sites = await _sites(page)
    rows: list[StationRow] = []
    next_url = ""
    if not reading.errors:
        online = {"online": True, "offline": False}.get(search.online or "")
        found = await page.web.services.stations.search(
            page.principal,
            PageRequest(limit=PAGE_SIZE, cursor=search.cursor),
            StationFilter(site_id=search.site, online=online, search=search.q or None),
        )
        rows = [
            StationRow.of(s, sites.get(s.site_id) if s.site_id else None, page.web.gettext)
            for s in found.items
        ]
        if found.next_cursor is not None:
            next_url = reading.link("/stations", cursor=found.next_cursor)
    return page.render(
        "stations/list.html",
        {
            "rows": rows,
            "values": reading.values,
            "errors": reading.errors,
            "sites": [(str(s.id), s.name) for s in sorted(sites.values(), key=lambda s: s.name)],
            "next_url": next_url,
            "filtered": reading.filtered,
        },
        422 if reading.errors else 200,
    )


@router.get("/stations/{ocpp_id}")
async def station_page(ocpp_id: str, page: AssetsPage) -> Response:
    services = page.web.services
    _ = page.web.gettext
    detail = await find_station(page, ocpp_id)
    station = detail.station
    assert station.id is not None
    now = datetime.now(UTC)
    open_faults = await services.faults.open_faults(page.principal, station_id=station.id)
    past = await services.faults.search(
        page.principal,
        PageRequest(limit=PAST_FAULTS),
        FaultFilter(station_id=station.id, open=False),
    )
    row = StationRow.of(station, await site_of(page, station), _)
    zone = row.zone
    connectors = sorted(detail.connectors, key=lambda c: (c.evse_id, c.connector_id))
    context: dict[str, Any] = {
        "station": station,
        "row": row,
        "zone": row.timezone,
        "connectors": [ConnectorRow.of(c, station, zone) for c in connectors],
        "open_faults": [FaultRow.of(v, now, _) for v in open_faults],
        "past_faults": [FaultRow.of(v, now, _) for v in past.items],
        **await recent_commands(page, station.ocpp_id, zone),
        "trigger_messages": trigger_words(_),
        "actions": COMMON_ACTIONS,
        "evses": sorted({c.evse_id for c in connectors}),
        "facts": [
            ("boot", format_local(station.last_boot_at, zone)),
            ("connected", format_local(station.connected_at, zone)),
        ],
        "load_profiles": await services.loads.failsafe.station(page.principal, station.ocpp_id),
    }
    status = 200
    if page.may(Permission.MESSAGES_READ):
        context["log"] = log = await log_of(page, station.ocpp_id, row.timezone)
        status = 422 if log.errors else 200
    context["model"] = await model_of(page, station.ocpp_id, row.timezone)
    context["tools"] = tool_context(station.ocpp_id)
    if page.may(Permission.COMMANDS_SEND):
        context["operations"] = await operations_context(page, station)
    if page.may(Permission.FIRMWARE_MANAGE) and page.may(Permission.COMMANDS_SEND):
        context["firmware_tool"] = await firmware_context(page, station.ocpp_id)
        context["diagnostics_tool"] = await diagnostics_context(
            page, station.ocpp_id, row.timezone, station.protocol_version
        )
    return page.render("stations/detail.html", context, status)
