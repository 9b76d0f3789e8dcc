"""Dashboard pages: transactions, which people read as charging sessions (the URLs are
/sessions, the texts say "Sessions") — the filtered list and its exports (XLSX, CSV), one
session with its meter curves, and the force stop of a running one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response, StreamingResponse

from kilowatt.domain.commands import Operation
from kilowatt.domain.errors import InvalidInput, NotFound, StationOffline
from kilowatt.domain.exports import (
    CURVES,
    MAX_EXPORT_ROWS,
    SCALE,
    SessionRow,
    curves,
    day_bounds,
    duration,
    format_duration,
    format_kwh,
    local,
    point_count,
    zone_of,
)
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.sites import Site
from kilowatt.domain.transactions import TransactionState
from kilowatt.services.ports import TransactionFilter
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import Page, SessionsPage, page_for

router = APIRouter()

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ("site", "station", "token", "driver", "state", "from", "to")
STOP_OUTCOMES = frozenset(
    {"accepted", "rejected", "offline", "failed", "timed_out", "queued", "sent", "ended"}
)
StopPage = Annotated[Page, Depends(page_for(Permission.SESSIONS_READ, Permission.COMMANDS_SEND))]


@dataclass
class Filters:
    """The list's filters as the operator typed them, what they mean, and what is wrong."""

    values: dict[str, str]
    where: TransactionFilter
    station: str | None
    zone: str
    sites: list[Site]
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: str) -> str:
        """The filters as a query string, with ``changes``; empty values left out."""
        merged = {**self.values, **changes}
        return urlencode({k: v for k, v in merged.items() if v})


async def _filters(page: Page) -> Filters:
    _ = page.web.gettext
    params = page.web.request.query_params
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    sites = (await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    errors: dict[str, str] = {}
    site: Site | None = None
    if values["site"]:
        site = next((s for s in sites if str(s.id) == values["site"]), None)
        if site is None:
            errors["site"] = _("Choose one of the sites.")
    state: TransactionState | None = None
    if values["state"]:
        try:
            state = TransactionState(values["state"])
        except ValueError:
            errors["state"] = _("Choose running, refused or completed.")
    days: dict[str, date | None] = {"from": None, "to": None}
    for name in days:
        if values[name]:
            try:
                days[name] = date.fromisoformat(values[name])
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
    first, last = days["from"], days["to"]
    if first and last and last < first:
        errors["to"] = _("The end date is before the start date.")
    zones = {s.timezone for s in sites}
    zone = site.timezone if site else (zones.pop() if len(zones) == 1 else "UTC")
    started_from, started_until = day_bounds(first, last, zone_of(zone))
    where = TransactionFilter(
        site_id=site.id if site else None,
        id_tag=values["token"] or None,
        driver=values["driver"] or None,
        state=state,
        started_from=started_from,
        started_until=started_until,
    )
    return Filters(values, where, values["station"] or None, zone, sites, errors)


def _row(row: SessionRow) -> dict[str, Any]:
    tx = row.transaction
    zone = row.zone
    start = local(tx.start_time, zone)
    stop = local(tx.stop_time, zone)
    return {
        "id": row.id,
        "station": row.station_ocpp_id,
        "station_name": row.station_name,
        "site": row.site_name,
        "timezone": row.timezone,
        "evse_id": tx.evse_id,
        "connector_id": tx.connector_id,
        "token": tx.id_tag,
        "driver": row.driver_name,
        "start": start.strftime("%Y-%m-%d %H:%M") if start else "",
        "stop": stop.strftime("%Y-%m-%d %H:%M") if stop else "",
        "duration": format_duration(duration(tx.start_time, tx.stop_time)),
        "energy": format_kwh(row.energy_wh),
        "energy_wh": row.energy_wh,
        "state": tx.state.value,
        "active": tx.is_active,
        "stop_reason": tx.stop_reason or "",
        "flags": list(tx.flags),
        "connector_url": (
            f"/connectors/{quote(row.station_ocpp_id, safe='')}/{tx.evse_id}/{tx.connector_id}"
        ),
    }


async def _list_page(page: Page, filters: Filters, status_code: int = 200) -> Response:
    services = page.web.services
    rows: list[dict[str, Any]] = []
    next_url = None
    if not filters.errors:
        cursor = page.web.request.query_params.get("cursor", "")
        found = await services.exports.sessions(
            page.principal,
            PageRequest(PAGE_SIZE, int(cursor) if cursor.isdigit() else None),
            filters.where,
            filters.station,
        )
        rows = [_row(r) for r in found.items]
        if found.next_cursor is not None:
            next_url = f"/sessions?{filters.query(cursor=str(found.next_cursor))}"
    today = datetime.now(zone_of(filters.zone)).date().isoformat()
    query = filters.query()
    return page.render(
        "transactions/list.html",
        {
            "rows": rows,
            "values": filters.values,
            "errors": filters.errors,
            "sites": [(str(s.id), s.name) for s in filters.sites],
            "zone": filters.zone,
            "today": today,
            "today_url": f"/sessions?{filters.query(**{'from': today, 'to': today})}",
            "is_today": filters.values["from"] == today == filters.values["to"],
            "xlsx_url": "/sessions/export.xlsx" + (f"?{query}" if query else ""),
            "csv_url": "/sessions/export.csv" + (f"?{query}" if query else ""),
            "next_url": next_url,
            "filtered": any(filters.values.values()),
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
async def session_detail(transaction_id: int, page: SessionsPage) -> Response:
    services = page.web.services
    try:
        row = await services.exports.session(page.principal, transaction_id)
        detail = await services.transactions.get(page.principal, transaction_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such session.")) from error
    series = curves(detail.meter_values)
    outcome = page.web.request.query_params.get("stop", "")
    view = _row(row)
    zone = row.zone
    return page.render(
        "transactions/detail.html",
        {
            "session": view,
            "started": local(row.transaction.start_time, zone),
            "notice": _notice(page, outcome) if outcome in STOP_OUTCOMES else None,
            "may_stop": row.transaction.is_active and page.may(Permission.COMMANDS_SEND),
            "points": point_count(series),
            "chart_data": {
                "transaction_id": row.id,
                "active": row.transaction.is_active,
                "stopping": outcome in ("accepted", "queued", "sent"),
                "timezone": row.timezone,
                "curves": series,
                "measurands": {name: list(m) for name, m in CURVES.items()},
                "scale": SCALE,
            },
        },
    )


@router.post("/sessions/{transaction_id}/stop")
async def session_stop(transaction_id: int, page: StopPage) -> Response:
    """Remote stop through the same service (and checks) as the API's remote-stop command."""
    services = page.web.services
    try:
        row = await services.exports.session(page.principal, transaction_id)
    except NotFound as error:
        raise WebError(404, page.web.gettext("There is no such session.")) from error
    try:
        command = await services.commands.execute(
            page.principal,
            row.station_ocpp_id,
            Operation.REMOTE_STOP,
            {"transaction_id": transaction_id},
            f"web:{page.principal.name}",
            wait=20.0,
        )
        outcome = command.status.value
    except StationOffline:
        outcome = "offline"
    except InvalidInput:
        outcome = "ended"
    return RedirectResponse(f"/sessions/{transaction_id}?stop={outcome}", status_code=303)
