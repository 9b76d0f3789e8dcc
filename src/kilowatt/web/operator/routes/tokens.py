"""Administration: id tokens (RFID cards and the like). The list with a search and a status
filter; a new token; block or accept one, delete one; and the bulk import of cards from a CSV
or Excel file, and their export in the same columns (services/token_imports.py). Reading needs
tokens:read, changing tokens:write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.paging import MAX_PAGE, PageRequest
from kilowatt.domain.permissions import Permission
from kilowatt.domain.token_imports import COLUMNS, MAX_BYTES, CardImportRefused
from kilowatt.domain.tokens import IdTokenType, TokenStatus
from kilowatt.services.ports import DriverFilter, TokenFilter, TokenGroupFilter
from kilowatt.services.token_imports import XLSX, as_csv, as_xlsx
from kilowatt.services.tokens import TokenInput
from kilowatt.web.kit.context import WebError, path_id
from kilowatt.web.kit.forms import REQUIRED, Cursor, Day, Fields, Id, Required, Says, Search, Upload
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.refusals import refusal
from kilowatt.web.kit.templating import SECURITY_HEADERS
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.routes.assets.common import NoticeQuery
from kilowatt.web.operator.rows.tokens import STATUS_TONES, status_words, type_words

router = APIRouter()

TokensPage = Annotated[Page, Depends(page_for(Permission.TOKENS_READ))]
TokensWritePage = Annotated[
    Page, Depends(page_for(Permission.TOKENS_READ, Permission.TOKENS_WRITE))
]
TokenId = Annotated[int, Depends(path_id("token_id", N_("There is no such id token.")))]


class TokenQuery(NoticeQuery):
    q: Search = ""
    status: Annotated[TokenStatus | None, Says(N_("Choose one of the options."))] = None
    after: Cursor = None


class TokenForm(Fields):
    value: Annotated[
        str, Field(max_length=255), Required(N_("Enter the number or code of the card."))
    ] = ""
    type: Annotated[IdTokenType, Says(N_("Choose one of the options."))] = IdTokenType.ISO14443
    status: Annotated[TokenStatus, Says(N_("Choose one of the options."))] = TokenStatus.ACCEPTED
    group_id: Id = None
    driver_id: Id = None
    label: Annotated[str, Field(max_length=200)] = ""
    expires: Day = None


class StatusForm(Fields):
    status: Annotated[TokenStatus | None, REQUIRED, Says(N_("Choose one of the options."))] = None


class CardsForm(Fields):
    file: Annotated[Upload, REQUIRED, Says(N_("Choose a .csv or .xlsx file to import."))] = None


def _notice(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "created": _("The id token was added."),
        "saved": _("The id token was saved."),
        "deleted": _("The id token was deleted."),
    }.get(key, "")


def _where(query: TokenQuery) -> TokenFilter:
    return TokenFilter(status=query.status, search=query.q or None)


@router.get("/admin/tokens")
async def token_list(page: TokensPage) -> Response:
    _ = page.web.gettext
    reading = page.web.query(TokenQuery)
    query = reading.data
    found = await page.web.services.tokens.search(
        page.principal, PageRequest(100, query.after), _where(query)
    )
    statuses = status_words(_)
    return page.render(
        "admin/tokens.html",
        {
            "views": found.items,
            "values": reading.values,
            "errors": reading.errors,
            "statuses": statuses,
            "tones": STATUS_TONES,
            "types": type_words(_),
            "status_options": [("", _("Any status")), *statuses.items()],
            "notice": _notice(page, query.notice),
            "filtered": reading.filtered,
            "export_csv": reading.link("/admin/tokens.csv"),
            "export_xlsx": reading.link("/admin/tokens.xlsx"),
            "next_url": reading.link("/admin/tokens", after=found.next_cursor)
            if found.next_cursor
            else "",
        },
        422 if reading.errors else 200,
    )


async def _choices(page: Page) -> dict[str, Any]:
    _ = page.web.gettext
    groups = await page.web.services.token_groups.search(
        page.principal, PageRequest(MAX_PAGE), TokenGroupFilter()
    )
    drivers = await page.web.services.drivers.search(
        page.principal, PageRequest(MAX_PAGE), DriverFilter(active=True)
    )
    return {
        "group_options": [("", _("No group"))]
        + [(str(v.group.id), v.group.name) for v in groups.items],
        "driver_options": [("", _("No driver"))]
        + [(str(d.id), f"{d.name} <{d.email}>" if d.name else d.email) for d in drivers.items],
        "type_options": list(type_words(_).items()),
        "status_options": list(status_words(_).items()),
    }


async def _form(
    page: Page, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Response:
    return page.render(
        "admin/token_form.html",
        {**await _choices(page), "values": values, "errors": errors},
        status,
    )


@router.get("/admin/tokens/new")
async def new_token(page: TokensWritePage) -> Response:
    return await _form(
        page, {"type": IdTokenType.ISO14443.value, "status": TokenStatus.ACCEPTED.value}, {}
    )


@router.post("/admin/tokens/new")
async def create_token(page: TokensWritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(TokenForm)
    form, values = reading.data, reading.values
    if reading.errors:
        return await _form(page, values, reading.errors, 422)
    expires = datetime.combine(form.expires, time.max, UTC) if form.expires else None
    try:
        await page.web.services.tokens.create(
            page.principal,
            TokenInput(
                value=form.value,
                type=form.type,
                status=form.status,
                expires_at=expires,
                group_id=form.group_id,
                driver_id=form.driver_id,
                label=form.label,
            ),
        )
    except InvalidInput as error:
        field = {"token_group_id": "group_id"}.get(error.field, error.field)
        message = {
            "value": _("Enter the number or code of the card, without spaces around it."),
            "group_id": _("Choose a group from the list."),
            "driver_id": _("Choose a driver from the list."),
        }.get(field) or refusal(error, _)
        return await _form(page, values, {field: message}, 422)
    except Conflict:
        message = _("A token with this value and type already exists.")
        return await _form(page, values, {"value": message}, 422)
    return redirect("/admin/tokens?notice=created")


def _missing(page: Page, error: NotFound) -> WebError:
    return WebError(404, page.web.gettext("There is no such id token."))


@router.post("/admin/tokens/{token_id}/status")
async def set_status(page: TokensWritePage, token_id: TokenId) -> Response:
    reading = await page.web.form(StatusForm)
    if reading.data.status is None:
        raise WebError(422, reading.errors["status"])
    try:
        await page.web.services.tokens.update(
            page.principal, token_id, {"status": reading.data.status}
        )
    except NotFound as error:
        raise _missing(page, error) from error
    return redirect("/admin/tokens?notice=saved")


@router.post("/admin/tokens/{token_id}/delete")
async def delete_token(page: TokensWritePage, token_id: TokenId) -> Response:
    try:
        await page.web.services.tokens.delete(page.principal, token_id)
    except NotFound as error:
        raise _missing(page, error) from error
    return redirect("/admin/tokens?notice=deleted")


# Bulk import and export ---------------------------------------------------------------------


def _import_page(
    page: Page,
    *,
    problems: list[Any] | None = None,
    created: Any = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return page.render(
        "admin/token_import.html",
        {
            "problems": problems or [],
            "created": created,
            "error": error,
            "columns": COLUMNS,
            "max_mb": MAX_BYTES // (1024 * 1024),
        },
        status,
    )


@router.get("/admin/tokens/import")
async def import_form(page: TokensWritePage) -> Response:
    return _import_page(page)


@router.post("/admin/tokens/import")
async def import_cards(page: TokensWritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(CardsForm)
    upload = reading.data.file
    if upload is None:
        return _import_page(page, error=reading.errors["file"], status=422)
    content = await upload.read(MAX_BYTES + 1)
    try:
        result = await page.web.services.token_imports.import_cards(
            page.principal, content, upload.filename or ""
        )
    except CardImportRefused as refused:
        return _import_page(page, problems=refused.problems, status=422)
    except Conflict:
        message = _("Someone added the same cards meanwhile: nothing was imported.")
        return _import_page(page, error=message, status=409)
    return _import_page(page, created=result)


async def _export(page: Page, kind: str) -> Response:
    query = page.web.query(TokenQuery).data
    table = await page.web.services.token_imports.rows(page.principal, _where(query))
    body, media = (
        (as_csv(table), "text/csv; charset=utf-8")
        if kind == "csv"
        else (
            as_xlsx(table),
            XLSX,
        )
    )
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="kilowatt-id-tokens.{kind}"',
    }
    return Response(body, media_type=media, headers=headers)


@router.get("/admin/tokens.csv")
async def export_csv(page: TokensPage) -> Response:
    return await _export(page, "csv")


@router.get("/admin/tokens.xlsx")
async def export_xlsx(page: TokensPage) -> Response:
    return await _export(page, "xlsx")
