"""Site monitoring: the operator's sites (fuzzy search), and one site's figures, connectors,
power limits and open faults. Live changes arrive through /live (static/site.js)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.commands import Operation
from kilowatt.domain.connector_states import IN_USE, ConnectorState
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
from kilowatt.web.kit.forms import Fields, Says, Search
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.states import state_words
from kilowatt.web.operator.context import AssetsPage, Page, page_for
from kilowatt.web.operator.paths import SiteId
from kilowatt.web.operator.power import KwText, PowerForm

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


class SiteSearch(Fields):
    q: Search = ""


class ConnectorSearch(Fields):
    """The site page's connector filter."""

    q: Search = ""
    state: ConnectorState | None = None
    min_kw: KwText = ""
    max_kw: KwText = ""


class SitePowerForm(PowerForm):
    """A power limit for the connectors ticked (``<station id>/<evse>/<connector>`` each)."""

    connector: Annotated[
        list[Annotated[str, Field(max_length=64)]], Says(N_("Select connectors of this site."))
    ] = []


@router.get("/sites")
async def site_list(page: AssetsPage) -> Response:
    reading = page.web.query(SiteSearch)
    cards = await page.web.services.monitoring.sites(page.principal, reading.data.q)
    return page.render(
        "sites/list.html",
        {"cards": cards, "q": reading.values["q"], "errors": reading.errors},
        422 if reading.errors else 200,
    )


@router.get("/sites/{site_id}")
async def site_page(page: AssetsPage, site_id: SiteId) -> Response:
    _ = page.web.gettext
    reading = page.web.query(ConnectorSearch)
    search = reading.data
    errors = dict(reading.errors)
    bounds: dict[str, float | None] = {}
    for name, text in (("min_kw", search.min_kw), ("max_kw", search.max_kw)):
        try:
            bounds[name] = parse_power_bound(name, text)
        except InvalidInput:
            bounds[name] = None
            errors[name] = _("Enter a number of kW between 0 and 10000.")
    where = ConnectorFilter(
        text=search.q,
        state=search.state.value if search.state else "",
        min_power_kw=bounds["min_kw"],
        max_power_kw=bounds["max_kw"],
    )
    overview = await _overview(page, site_id, where)
    filters = {**reading.values, "state": where.state}
    return await _render(page, overview, filters, errors, 422 if errors else 200)


@router.post("/sites/{site_id}/power")
async def site_power(page: PowerPage, site_id: SiteId) -> Response:
    """Set (or remove) a power limit on the selected connectors of the site."""
    _ = page.web.gettext
    reading = await page.web.form(SitePowerForm)
    power = reading.data
    overview = await _overview(page, site_id, ConnectorFilter())
    of_site = {row.key for row in overview.all_rows}
    errors = {"connectors" if k == "connector" else k: v for k, v in reading.errors.items()}
    targets: list[Target] = []
    for key in power.connector:
        try:
            station_id, evse_id, connector_id = parse_connector_key(key)
        except InvalidInput:
            errors["connectors"] = _("Select connectors of this site.")
            break
        if key not in of_site:
            errors["connectors"] = _("Select connectors of this site.")
            break
        targets.append(Target(station_id, evse_id, connector_id))
    if not power.connector and "connectors" not in errors:
        errors["connectors"] = _("Select at least one connector.")
    limit_w = 0
    if power.action == "set":
        try:
            limit_w = parse_limit_kw(power.limit_kw)
        except InvalidInput:
            errors["limit_kw"] = _("Enter a limit in kW above 0 and at most 1000, such as 7.4.")
    filters = {"q": "", "state": "", "min_kw": "", "max_kw": "", "limit_kw": power.limit_kw}
    if errors:
        selected = set(power.connector)
        return await _render(page, overview, filters, errors, 422, selected=selected)
    monitoring = page.web.services.monitoring
    requested_by = f"web:{page.principal.name}"
    if power.action == "set":
        results = await monitoring.set_power_limit(page.principal, targets, limit_w, requested_by)
    else:
        results = await monitoring.clear_power_limit(page.principal, targets, requested_by)
    overview = await _overview(page, site_id, ConnectorFilter())
    action = power.action or ""
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
    words = state_words(page.web.gettext)
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
            "state_options": [(state, words[state]) for state in STATE_ORDER],
            "zone": ZoneInfo(overview.site.timezone),
        },
        status_code,
    )
