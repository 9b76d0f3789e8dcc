"""Dashboard pages: fault records (/faults) and the fault-code dictionary (/faults/codes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.faults import FaultCode, FaultFilter
from kilowatt.domain.local_days import LocalDays
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.services.faults import FaultCodeInput
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import BIGINT, LINK, Cursor, Day, Fields, Id, Says, Search
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.operator.context import AssetsPage, Page, page_for
from kilowatt.web.operator.paths import CodeId
from kilowatt.web.operator.rows.faults import FaultCodeRow, FaultRow

router = APIRouter()


EditPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ, Permission.ASSETS_WRITE))]
PAGE_SIZE = 50
OPEN_LIMIT = 100
CODE = 50
DESCRIPTION = 500


class FaultSearch(Fields):
    """The faults list's filter."""

    state: Literal["open", "ended"] | None = None
    station: Search = ""
    site: Id = None
    code: Annotated[str, Field(max_length=CODE)] = ""
    first: Annotated[Day, Field(alias="from")] = None
    last: Annotated[Day, Field(alias="to")] = None
    cursor: Cursor = None

    def problems(self) -> dict[str, str]:
        if self.first and self.last and self.last < self.first:
            return {"to": N_("The end date must not be before the start date.")}
        return {}


@router.get("/faults")
async def faults_list(page: AssetsPage) -> Response:
    reading = page.web.query(FaultSearch)
    search = reading.data
    sites = (await page.web.services.sites.search(page.principal, PageRequest(MAX_PAGE))).items
    site = next((s for s in sites if s.id == search.site), None)
    zones = {s.timezone for s in sites}
    zone = site.timezone if site else (zones.pop() if len(zones) == 1 else "UTC")
    first, last = (search.first, search.last) if reading.ok else (None, None)
    # each fault's days in its own site's zone, as the home page counts them
    days = LocalDays.of(first, last, [(s.id, s.timezone) for s in sites if s.id is not None])
    where = FaultFilter(site_id=search.site, code=search.code or None, days=days)
    station = search.station or None
    faults = page.web.services.faults
    now = datetime.now(UTC)
    open_rows: list[FaultRow] = []
    past_rows: list[FaultRow] = []
    next_url = ""
    if reading.ok:
        if search.state != "ended" and search.cursor is None:
            found = await faults.search(
                page.principal,
                PageRequest(limit=OPEN_LIMIT),
                replace(where, open=True),
                station_ocpp_id=station,
            )
            open_rows = [FaultRow.of(v, now, page.web.gettext) for v in found.items]
        if search.state != "open":
            past = await faults.search(
                page.principal,
                PageRequest(limit=PAGE_SIZE, cursor=search.cursor),
                replace(where, open=False),
                station_ocpp_id=station,
            )
            past_rows = [FaultRow.of(v, now, page.web.gettext) for v in past.items]
            if past.next_cursor is not None:
                next_url = reading.link("/faults", cursor=past.next_cursor)
    return page.render(
        "faults/list.html",
        {
            "values": reading.values,
            "errors": reading.errors,
            "state": search.state or "",
            "open_rows": open_rows,
            "past_rows": past_rows,
            "next_url": next_url,
            "paged": search.cursor is not None,
            "filtered": reading.filtered,
            "sites": [(str(s.id), s.name) for s in sites],
            "zone": zone,
            "zones_differ": site is None and len({s.timezone for s in sites}) > 1,
        },
        422 if reading.errors else 200,
    )


# The dictionary --------------------------------------------------------------------------


class CodeSearch(Fields):
    q: Search = ""
    cursor: Cursor = None
    deleted: Annotated[int | None, Field(ge=0, le=BIGINT), LINK] = None
    saved: Annotated[Literal["1"] | None, LINK] = None


class CodeForm(Fields):
    """An entry of the dictionary as its form sends it."""

    code: Annotated[
        str,
        Field(min_length=1, max_length=CODE),
        Says(N_("Enter a code of at most 50 characters.")),
    ] = ""
    vendor: Annotated[
        str,
        Field(max_length=CODE),
        Says(N_("Enter a vendor of at most 50 characters, or leave it empty.")),
    ] = ""
    description: Annotated[
        str,
        Field(min_length=1, max_length=DESCRIPTION),
        Says(N_("Enter a description of at most 500 characters.")),
    ] = ""


class CodeDeletion(Fields):
    """The entries ticked for deletion; ``confirm`` once the operator has seen them."""

    ids: Annotated[
        list[Annotated[int, Field(ge=1, le=BIGINT)]],
        Says(N_("Select the entries to delete first.")),
    ] = []
    confirm: Annotated[Literal["yes"] | None, LINK] = None


async def _codes_page(
    page: Page,
    *,
    values: Mapping[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    reading = page.web.query(CodeSearch)
    search = reading.data
    found = await page.web.services.faults.codes(
        page.principal, PageRequest(limit=PAGE_SIZE, cursor=search.cursor), search.q or None
    )
    next_url = ""
    if found.next_cursor is not None:
        next_url = reading.link("/faults/codes", cursor=found.next_cursor)
    return page.render(
        "faults/codes.html",
        {
            "entries": [FaultCodeRow.of(e) for e in found.items],
            "search": search.q,
            "next_url": next_url,
            "values": values or {"code": "", "vendor": "", "description": ""},
            "errors": {**reading.errors, **(errors or {})},
            "notice": notice,
        },
        422 if reading.errors else status_code,
    )


def _form_error(page: Page, error: InvalidInput | Conflict) -> dict[str, str]:
    _ = page.web.gettext
    if isinstance(error, Conflict):
        return {"code": _("This code is already in the dictionary for this vendor.")}
    messages = {
        "code": _("Enter a code of at most 50 characters."),
        "vendor": _("Enter a vendor of at most 50 characters, or leave it empty."),
        "description": _("Enter a description of at most 500 characters."),
    }
    return {error.field: messages.get(error.field) or refusal(error, _)}


@router.get("/faults/codes")
async def codes_list(page: AssetsPage) -> Response:
    _ = page.web.gettext
    search = page.web.query(CodeSearch).data
    notice = ""
    if search.deleted is not None:
        notice = _("Deleted %(num)s entries.") % {"num": search.deleted}
    elif search.saved:
        notice = _("Saved.")
    return await _codes_page(page, notice=notice)


@router.post("/faults/codes")
async def codes_create(page: EditPage) -> Response:
    reading = await page.web.form(CodeForm)
    form = reading.data
    errors = reading.errors
    if not errors:
        try:
            await page.web.services.faults.create_code(
                page.principal,
                FaultCodeInput(code=form.code, vendor=form.vendor, description=form.description),
            )
        except (InvalidInput, Conflict) as error:
            errors = _form_error(page, error)
    if errors:
        return await _codes_page(page, values=reading.values, errors=errors, status_code=422)
    return redirect("/faults/codes?saved=1")


@router.post("/faults/codes/delete")
async def codes_delete(page: EditPage) -> Response:
    """Without ``confirm``: the confirmation page naming what goes; with it: delete."""
    _ = page.web.gettext
    reading = await page.web.form(CodeDeletion)
    ids = sorted(set(reading.data.ids))
    if reading.errors or not ids:
        errors = {"ids": _("Select the entries to delete first.")}
        return await _codes_page(page, errors=errors, status_code=422)
    faults = page.web.services.faults
    if reading.data.confirm is None:
        entries = []
        for code_id in ids[:MAX_PAGE]:
            try:
                entries.append(FaultCodeRow.of(await faults.get_code(page.principal, code_id)))
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
        raise WebError(422, refusal(error, _)) from None
    return redirect(f"/faults/codes?deleted={len(deleted)}")


@router.get("/faults/codes/{code_id}/edit")
async def code_edit(code_id: CodeId, page: EditPage) -> Response:
    entry = FaultCodeRow.of(await _entry(page, code_id))
    return page.render("faults/code_edit.html", {"entry": entry, "values": entry, "errors": {}})


@router.post("/faults/codes/{code_id}")
async def code_update(code_id: CodeId, page: EditPage) -> Response:
    entry = await _entry(page, code_id)
    reading = await page.web.form(CodeForm)
    errors = reading.errors
    if not errors:
        try:
            await page.web.services.faults.update_code(
                page.principal, code_id, reading.data.model_dump()
            )
        except (InvalidInput, Conflict) as error:
            errors = _form_error(page, error)
    if errors:
        return page.render(
            "faults/code_edit.html",
            {"entry": FaultCodeRow.of(entry), "values": reading.values, "errors": errors},
            422,
        )
    return redirect("/faults/codes?saved=1")


async def _entry(page: Page, code_id: int) -> FaultCode:
    try:
        return await page.web.services.faults.get_code(page.principal, code_id)
    except NotFound:
        raise WebError(404, page.web.gettext("No such entry in the dictionary.")) from None
