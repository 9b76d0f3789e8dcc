"""Site monitoring: the operator's sites (fuzzy search), and one site's figures, connectors,
power limits and open faults. Live changes arrive through /live (static/site.js)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from starlette.responses import Response

from kilowatt.domain.commands import Operation
from kilowatt.domain.connector_states import IN_USE
from kilowatt.domain.errors import InvalidInput, NotFound
from kilowatt.domain.monitoring import (
    STATE_ORDER,
    ConnectorFilter,
    parse_connector_key,
    parse_power_bound,
)
from kilowatt.domain.permissions import Permission, command_permissions
from kilowatt.domain.power_limits import parse_limit_kw
from kilowatt.services.monitoring import SiteOverview, Target, TargetResult
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import AssetsPage, Page, page_for

router = APIRouter()

PowerPage = Annotated[
    Page,
    Depends(
        page_for(
            Permission.ASSETS_READ,
            *sorted(
                command_permissions(Operation.SET_CHARGING_PROFILE)
                | command_permissions(Operation.CLEAR_CHARGING_PROFILE)
            ),
        )
    ),
]


@router.get("/sites")
async def site_list(page: AssetsPage, q: str = "") -> Response:
    cards = await page.web.services.monitoring.sites(page.principal, q[:100])
    return page.render("sites/list.html", {"cards": cards, "q": q})


@router.get("/sites/{site_id}")
async def site_page(
    page: AssetsPage,
    site_id: int,
    q: str = "",
    state: str = "",
    min_kw: str = "",
    max_kw: str = "",
) -> Response:
    _ = page.web.gettext
    errors: dict[str, str] = {}
    bounds: dict[str, float | None] = {}
    for name, text in (("min_kw", min_kw), ("max_kw", max_kw)):
        try:
            bounds[name] = parse_power_bound(name, text)
        except InvalidInput:
            bounds[name] = None
            errors[name] = _("Enter a number of kW between 0 and 10000.")
    where = ConnectorFilter(
        text=q[:100],
        state=state if state in STATE_ORDER else "",
        min_power_kw=bounds["min_kw"],
        max_power_kw=bounds["max_kw"],
    )
    overview = await _overview(page, site_id, where)
    filters = {"q": q, "state": where.state, "min_kw": min_kw, "max_kw": max_kw}
    return await _render(page, overview, filters, errors, 422 if errors else 200)


@router.post("/sites/{site_id}/power")
async def site_power(page: PowerPage, site_id: int) -> Response:
    """Set (or remove) a power limit on the selected connectors of the site."""
    _ = page.web.gettext
    form = await page.web.request.form()
    action = str(form.get("action") or "")
    keys = [str(v) for v in form.getlist("connector")]
    overview = await _overview(page, site_id, ConnectorFilter())
    of_site = {row.key for row in overview.all_rows}
    errors: dict[str, str] = {}
    targets: list[Target] = []
    for key in keys:
        try:
            station_id, evse_id, connector_id = parse_connector_key(key)
        except InvalidInput:
            errors["connectors"] = _("Select connectors of this site.")
            break
        if key not in of_site:
            errors["connectors"] = _("Select connectors of this site.")
            break
        targets.append(Target(station_id, evse_id, connector_id))
    if not keys:
        errors["connectors"] = _("Select at least one connector.")
    limit_w = 0
    limit_text = str(form.get("limit_kw") or "")
    if action == "set":
        try:
            limit_w = parse_limit_kw(limit_text)
        except InvalidInput:
            errors["limit_kw"] = _("Enter a limit in kW above 0 and at most 1000, such as 7.4.")
    elif action != "clear":
        errors["action"] = _("Choose whether to set or remove the limit.")
    filters = {"q": "", "state": "", "min_kw": "", "max_kw": "", "limit_kw": limit_text}
    if errors:
        return await _render(page, overview, filters, errors, 422, selected=set(keys))
    monitoring = page.web.services.monitoring
    requested_by = f"web:{page.principal.name}"
    if action == "set":
        results = await monitoring.set_power_limit(page.principal, targets, limit_w, requested_by)
    else:
        results = await monitoring.clear_power_limit(page.principal, targets, requested_by)
    overview = await _overview(page, site_id, ConnectorFilter())
    return await _render(page, overview, filters, {}, 200, results=results, action=action)


async def _overview(page: Page, site_id: int, where: ConnectorFilter) -> SiteOverview:
    try:
        return await page.web.services.monitoring.site(page.principal, site_id, where)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such site.")) from error


async def _render(
    page: Page,
    overview: SiteOverview,
    filters: dict[str, str],
    errors: dict[str, str],
    status_code: int,
    *,
    selected: set[str] | None = None,
    results: list[TargetResult] | None = None,
    action: str = "",
) -> Response:
    faults = await page.web.services.faults.open_faults(page.principal, site_id=overview.site.id)
    live: dict[str, Any] = {
        "in_use": sorted(s.value for s in IN_USE),
        "states": list(STATE_ORDER),
        "connectors": [
            {
                "station": row.station_ocpp_id,
                "evse_id": row.evse_id,
                "connector_id": row.connector_id,
                "state": row.state,
                "online": row.online,
            }
            for row in overview.all_rows
        ],
    }
    return page.render(
        "sites/site.html",
        {
            "overview": overview,
            "site": overview.site,
            "filters": filters,
            "errors": errors,
            "selected": selected or set(),
            "results": results,
            "action": action,
            "faults": faults,
            "live": live,
            "states": STATE_ORDER,
            "zone": ZoneInfo(overview.site.timezone),
        },
        status_code,
    )
