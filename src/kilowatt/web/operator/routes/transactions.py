"""Dashboard pages: transactions, which people read as charging sessions (the URLs are
/sessions, the texts say "Sessions") — the filtered list and its exports (XLSX, CSV), one
session with its meter curves, and the force stop of a running one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import RedirectResponse, Response, StreamingResponse

from kilowatt.domain.command_params import RemoteStop
from kilowatt.domain.errors import InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import (
    CURVES,
    MAX_EXPORT_ROWS,
    SCALE,
    curves,
    energy_base,
    local,
    point_count,
    zone_of,
)
from kilowatt.domain.local_days import LocalDays
from kilowatt.domain.money import money_text
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.domain.stations import OcppId
from kilowatt.domain.transactions import TransactionState
from kilowatt.services.ports import TransactionFilter
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import LINK, Cursor, Day, Fields, Id, Reading, Says, Search
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, SessionsPage, page_for
from kilowatt.web.operator.costs import session_cost
from kilowatt.web.operator.paths import TransactionId
from kilowatt.web.operator.rows.transactions import TransactionRow

router = APIRouter()


PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
StopOutcome = Literal[
    "accepted", "rejected", "offline", "failed", "timed_out", "queued", "sent", "ended"
]
StopPage = Annotated[Page, Depends(page_for(Permission.SESSIONS_READ, Permission.COMMANDS_SEND))]


class SessionFilter(Fields):
    """The list's filter, as its form sends it."""

    site: Annotated[Id, Says(N_("Choose one of the sites."))] = None
    station: Search = ""
    token: Search = ""
    driver: Search = ""
    state: Annotated[TransactionState | None, Says(N_("Choose running, refused or completed."))] = (
        None
    )
    first: Annotated[Day, Field(alias="from")] = None
    last: Annotated[Day, Field(alias="to")] = None
    cursor: Cursor = None

    def problems(self) -> dict[str, str]:
        if self.first and self.last and self.last < self.first:
            return {"to": N_("The end date is before the start date.")}
        return {}


class SessionQuery(Fields):
    """One session's page: what came of the force stop that led here."""

    stop: Annotated[StopOutcome | None, LINK] = None
    credited: Annotated[Literal["1"] | None, LINK] = None


@dataclass
class Filters:
    """The list's filters as the operator typed them, what they mean, and what is wrong."""

    reading: Reading[SessionFilter]
    where: TransactionFilter
    zone: str
    sites: list[Site]
    errors: dict[str, str]

    @property
    def station(self) -> str | None:
        return self.reading.data.station or None


async def _filters(page: Page) -> Filters:
    reading = page.web.query(SessionFilter)
    data = reading.data
    errors = dict(reading.errors)
    sites = (await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    site: Site | None = None
    if data.site is not None:
        site = next((s for s in sites if s.id == data.site), None)
        if site is None:
            errors["site"] = page.web.gettext("Choose one of the sites.")
    zones = {s.timezone for s in sites}
    zone = site.timezone if site else (zones.pop() if len(zones) == 1 else "UTC")
    # each session's days in its own site's zone, as the home page counts them
    days = LocalDays.of(
        data.first, data.last, [(s.id, s.timezone) for s in sites if s.id is not None]
    )
    where = TransactionFilter(
        site_id=site.id if site else None,
        id_tag=data.token or None,
        driver=data.driver or None,
        state=data.state,
        days=days,
    )
    return Filters(reading, where, zone, sites, errors)


async def _list_page(page: Page, filters: Filters, status_code: int = 200) -> Response:
    reading = filters.reading
    rows: list[TransactionRow] = []
    next_url = None
    if not filters.errors:
        found = await page.web.services.exports.sessions(
            page.principal,
            PageRequest(PAGE_SIZE, reading.data.cursor),
            filters.where,
            filters.station,
        )
        rows = [TransactionRow.of(r, page.web.gettext) for r in found.items]
        if found.next_cursor is not None:
            next_url = reading.link("/sessions", cursor=found.next_cursor)
    today = datetime.now(zone_of(filters.zone)).date().isoformat()
    values = reading.values
    return page.render(
        "transactions/list.html",
        {
            "rows": rows,
            "values": values,
            "errors": filters.errors,
            "sites": [(str(s.id), s.name) for s in filters.sites],
            "zone": filters.zone,
            "zones_differ": filters.where.site_id is None
            and len({s.timezone for s in filters.sites}) > 1,
            "today": today,
            "today_url": reading.link("/sessions", **{"from": today, "to": today}),
            "is_today": values["from"] == today == values["to"],
            "xlsx_url": reading.link("/sessions/export.xlsx"),
            "csv_url": reading.link("/sessions/export.csv"),
            "next_url": next_url,
            "filtered": reading.filtered,
        },
        status_code,
    )


@router.get("/sessions")
async def sessions_list(page: SessionsPage) -> Response:
    filters = await _filters(page)
    return await _list_page(page, filters, 422 if filters.errors else 200)


async def _export(page: Page, kind: str) -> Response:
    filters = await _filters(page)
    if filters.errors:
        return await _list_page(page, filters, 422)
    exports = page.web.services.exports
    try:
        await exports.check_size(page.principal, filters.where, filters.station)
    except InvalidInput:
        filters.errors["export"] = page.web.gettext(
            "More than %(limit)s sessions match: narrow the filter (dates, site or station) "
            "to export them."
        ) % {"limit": f"{MAX_EXPORT_ROWS:,}"}
        return await _list_page(page, filters, 422)
    stamp = datetime.now(zone_of(filters.zone)).strftime("%Y%m%d-%H%M")
    headers = {"Content-Disposition": f'attachment; filename="sessions-{stamp}.{kind}"'}
    if kind == "xlsx":
        content = await exports.xlsx(page.principal, filters.where, filters.station)
        return Response(content, media_type=XLSX, headers=headers)
    return StreamingResponse(
        exports.csv(page.principal, filters.where, filters.station),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


@router.get("/sessions/export.xlsx")
async def sessions_xlsx(page: SessionsPage) -> Response:
    return await _export(page, "xlsx")


@router.get("/sessions/export.csv")
async def sessions_csv(page: SessionsPage) -> Response:
    return await _export(page, "csv")


def _notice(page: Page, outcome: str) -> tuple[str, str] | None:
    """The force stop's outcome as (kind, message)."""
    _ = page.web.gettext
    messages = {
        "accepted": ("ok", _("The station accepted the stop. The session ends when it says so.")),
        "rejected": ("bad", _("The station refused to stop the session.")),
        "offline": (
            "info",
            _("The station is not connected: the stop could not be sent. Try again later."),
        ),
        "failed": ("bad", _("The stop could not be delivered to the station.")),
        "timed_out": ("bad", _("The station did not answer the stop in time.")),
        "queued": ("info", _("The stop is on its way to the station.")),
        "sent": ("info", _("The stop is on its way to the station.")),
        "ended": ("info", _("The session had already ended.")),
    }
    return messages.get(outcome)


@router.get("/sessions/{transaction_id}")
async def session_detail(transaction_id: TransactionId, page: SessionsPage) -> Response:
    services = page.web.services
    query = page.web.query(SessionQuery).data
    outcome = query.stop or ""
    try:
        row = await services.exports.session(page.principal, transaction_id)
        detail = await services.transactions.get(page.principal, transaction_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such session.")) from error
    series = curves(detail.meter_values, row.transaction.meter_start_wh)
    zone = row.zone
    cost = None
    if row.transaction.is_open:
        # The running session's cost so far (services/session_costs.py); session.cost moves it.
        so_far = await services.session_costs.get(page.principal, transaction_id)
        if so_far is not None and so_far.total_incl_vat is not None and so_far.currency:
            cost = f"{money_text(so_far.total_incl_vat, so_far.currency)} {so_far.currency}"
    return page.render(
        "transactions/detail.html",
        {
            "session": TransactionRow.of(row, page.web.gettext),
            "started": local(row.transaction.start_time, zone),
            "notice": _notice(page, outcome),
            **(await session_cost(page, transaction_id, zone_of(row.timezone))),
            "credited": query.credited is not None,
            # A refused session is open too: a station that ignored the refusal can be stopped.
            "may_stop": row.transaction.is_open and page.may(Permission.COMMANDS_SEND),
            "points": point_count(series),
            "live_cost": cost,
            "chart_data": {
                "transaction_id": row.id,
                "active": row.transaction.is_active,
                "stopping": outcome in ("accepted", "queued", "sent"),
                "timezone": row.timezone,
                "curves": series,
                "measurands": {name: list(m) for name, m in CURVES.items()},
                "scale": SCALE,
                "energy_base_wh": energy_base(detail.meter_values, row.transaction.meter_start_wh),
            },
        },
    )


@router.post("/sessions/{transaction_id}/stop")
async def session_stop(transaction_id: TransactionId, page: StopPage) -> Response:
    """Remote stop through the same service (and checks) as the API's remote-stop command."""
    services = page.web.services
    try:
        row = await services.exports.session(page.principal, transaction_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such session.")) from error
    try:
        command = await services.commands.execute(
            page.principal,
            OcppId(row.station_ocpp_id),
            RemoteStop(transaction_id=transaction_id),
            f"web:{page.principal.name}",
            wait=20.0,
        )
        outcome = command.status.value
    except StationOffline:
        outcome = "offline"
    except InvalidInput:
        outcome = "ended"
    return RedirectResponse(f"/sessions/{transaction_id}?stop={outcome}", status_code=303)
