"""Dashboard pages: fault records (/faults) and the fault-code dictionary (/faults/codes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.exports import day_bounds, format_local, zone_of
from kilowatt.domain.faults import FaultCode, FaultFilter, FaultView
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.faults import FaultCodeInput
from kilowatt.web.kit.context import WebError
from kilowatt.web.operator.context import AssetsPage, Page, page_for

router = APIRouter()

EditPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.ASSETS_WRITE))]
PAGE_SIZE = 50
OPEN_LIMIT = 100


def moment(value: datetime | None) -> str:
    """A time of no site (the fault-code dictionary's): UTC."""
    return format_local(value, zone_of("UTC"))


def duration(start: datetime, end: datetime | None, now: datetime) -> str:
    seconds = int(((end or now) - start).total_seconds())
    if seconds < 0:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def fault_row(view: FaultView, now: datetime) -> dict[str, Any]:
    """A fault for the faults table, its times in its site's zone (named by ``timezone``)."""
    zone = zone_of(view.timezone)
    return {
        "id": view.id,
        "station": view.station_ocpp_id,
        "evse_id": view.evse_id,
        "connector_id": view.connector_id,
        "error_code": view.error_code,
        "vendor_error_code": view.vendor_error_code,
        "description": view.description,
        "info": view.info,
        "started": format_local(view.started_at, zone),
        "ended": format_local(view.ended_at, zone),
        "timezone": view.timezone,
        "open": view.open,
        "duration": duration(view.started_at, view.ended_at, now),
    }


def _day(text: str, name: str, page: Page) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(name, page.web.gettext("Enter a date as YYYY-MM-DD.")) from None


def _cursor(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 2**63 else None


@router.get("/faults")
async def faults_list(page: AssetsPage) -> Response:
    _ = page.web.gettext
    query = page.web.request.query_params
    values = {
        name: query.get(name, "").strip()
        for name in ("state", "station", "site", "code", "from", "to")
    }
    errors: dict[str, str] = {}
    where = FaultFilter()
    sites = (await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    site_id = int(values["site"]) if values["site"].isdigit() else None
    site = next((s for s in sites if s.id == site_id), None)
    zones = {s.timezone for s in sites}
    zone = site.timezone if site else (zones.pop() if len(zones) == 1 else "UTC")
    try:
        since, until = day_bounds(
            _day(values["from"], "from", page), _day(values["to"], "to", page), zone_of(zone)
        )
        where = FaultFilter(site_id=site_id, code=values["code"] or None, since=since, until=until)
    except InvalidInput as error:
        errors[error.field] = (
            _("The end date must not be before the start date.")
            if error.field == "until"
            else error.message
        )
        if error.field == "until":
            errors["to"] = errors.pop("until")
    state = values["state"] if values["state"] in ("open", "ended") else ""
    station = values["station"] or None
    faults = page.web.services.faults
    now = datetime.now(UTC)
    open_rows: list[dict[str, Any]] = []
    past_rows: list[dict[str, Any]] = []
    next_url = ""
    cursor = _cursor(query.get("cursor"))
    if not errors:
        if state != "ended" and cursor is None:
            found = await faults.search(
                page.principal,
                PageRequest(limit=OPEN_LIMIT),
                replace(where, open=True),
                station_ocpp_id=station,
            )
            open_rows = [fault_row(v, now) for v in found.items]
        if state != "open":
            past = await faults.search(
                page.principal,
                PageRequest(limit=PAGE_SIZE, cursor=cursor),
                replace(where, open=False),
                station_ocpp_id=station,
            )
            past_rows = [fault_row(v, now) for v in past.items]
            if past.next_cursor is not None:
                kept = {k: v for k, v in values.items() if v}
                next_url = "/faults?" + urlencode({**kept, "cursor": past.next_cursor})
    return page.render(
        "faults/list.html",
        {
            "values": values,
            "errors": errors,
            "state": state,
            "open_rows": open_rows,
            "past_rows": past_rows,
            "next_url": next_url,
            "paged": cursor is not None,
            "filtered": any(values.values()),
            "sites": [(str(s.id), s.name) for s in sites],
            "zone": zone,
        },
        422 if errors else 200,
    )


# The dictionary --------------------------------------------------------------------------


def code_row(entry: FaultCode) -> dict[str, Any]:
    return {
        "id": entry.id,
        "code": entry.code,
        "vendor": entry.vendor,
        "description": entry.description,
        "updated": moment(entry.updated_at),
    }


async def _codes_page(
    page: Page,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    query = page.web.request.query_params
    search = query.get("q", "").strip()[:100]
    cursor = _cursor(query.get("cursor"))
    found = await page.web.services.faults.codes(
        page.principal, PageRequest(limit=PAGE_SIZE, cursor=cursor), search or None
    )
    next_url = ""
    if found.next_cursor is not None:
        params = {"q": search} if search else {}
        next_url = "/faults/codes?" + urlencode({**params, "cursor": found.next_cursor})
    return page.render(
        "faults/codes.html",
        {
            "entries": [code_row(e) for e in found.items],
            "search": search,
            "next_url": next_url,
            "values": values or {"code": "", "vendor": "", "description": ""},
            "errors": errors or {},
            "notice": notice,
        },
        status_code,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _form_values(form: FormData) -> dict[str, str]:
    return {name: _text(form, name) for name in ("code", "vendor", "description")}


def _form_error(page: Page, error: InvalidInput | Conflict) -> dict[str, str]:
    _ = page.web.gettext
    if isinstance(error, Conflict):
        return {"code": _("This code is already in the dictionary for this vendor.")}
    messages = {
        "code": _("Enter a code of at most 50 characters."),
        "vendor": _("Enter a vendor of at most 50 characters, or leave it empty."),
        "description": _("Enter a description of at most 500 characters."),
    }
    return {error.field: messages.get(error.field, error.message)}


@router.get("/faults/codes")
async def codes_list(page: AssetsPage) -> Response:
    query = page.web.request.query_params
    _ = page.web.gettext
    notice = ""
    deleted = query.get("deleted", "")
    if deleted.isdigit():
        notice = _("Deleted %(num)s entries.") % {"num": deleted}
    elif query.get("saved"):
        notice = _("Saved.")
    return await _codes_page(page, notice=notice)


@router.post("/faults/codes")
async def codes_create(page: EditPage) -> Response:
    form = await page.web.request.form()
    values = _form_values(form)
    try:
        await page.web.services.faults.create_code(
            page.principal,
            FaultCodeInput(
                code=values["code"], vendor=values["vendor"], description=values["description"]
            ),
        )
    except (InvalidInput, Conflict) as error:
        return await _codes_page(
            page, values=values, errors=_form_error(page, error), status_code=422
        )
    return RedirectResponse("/faults/codes?saved=1", status_code=303)


def _ids(form: FormData) -> list[int]:
    return sorted(
        {int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit() and len(v) < 19}
    )


@router.post("/faults/codes/delete")
async def codes_delete(page: EditPage) -> Response:
    """Without ``confirm``: the confirmation page naming what goes; with it: delete."""
    _ = page.web.gettext
    form = await page.web.request.form()
    ids = _ids(form)
    if not ids:
        return await _codes_page(
            page,
            errors={"ids": _("Select the entries to delete first.")},
            status_code=422,
        )
    faults = page.web.services.faults
    if _text(form, "confirm") != "yes":
        entries = []
        for code_id in ids[:MAX_PAGE]:
            try:
                entries.append(code_row(await faults.get_code(page.principal, code_id)))
            except NotFound:
                continue
        if not entries:
            raise WebError(404, _("Those entries no longer exist."))
        return page.render("faults/codes_delete.html", {"entries": entries})
    try:
        deleted = await faults.delete_codes(page.principal, ids)
    except NotFound:
        raise WebError(
            404, _("Some of those entries no longer exist. Go back and select again.")
        ) from None
    except InvalidInput as error:
        raise WebError(422, error.message) from None
    return RedirectResponse(f"/faults/codes?deleted={len(deleted)}", status_code=303)


@router.get("/faults/codes/{code_id}/edit")
async def code_edit(code_id: int, page: EditPage) -> Response:
    entry = await _entry(page, code_id)
    return page.render(
        "faults/code_edit.html", {"entry": code_row(entry), "values": code_row(entry), "errors": {}}
    )


@router.post("/faults/codes/{code_id}")
async def code_update(code_id: int, page: EditPage) -> Response:
    entry = await _entry(page, code_id)
    form = await page.web.request.form()
    values = _form_values(form)
    try:
        await page.web.services.faults.update_code(page.principal, code_id, dict(values))
    except (InvalidInput, Conflict) as error:
        return page.render(
            "faults/code_edit.html",
            {"entry": code_row(entry), "values": values, "errors": _form_error(page, error)},
            422,
        )
    return RedirectResponse("/faults/codes?saved=1", status_code=303)


async def _entry(page: Page, code_id: int) -> FaultCode:
    try:
        return await page.web.services.faults.get_code(page.principal, code_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such entry in the dictionary.")) from None
