"""Asset pages: the bulk import of sites and stations from an Excel workbook
(services/imports.py), and the template to fill in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from kilowatt.domain.errors import Conflict
from kilowatt.domain.imports import MAX_BYTES, MAX_ROWS, ImportRefused, ordered
from kilowatt.services.imports import XLSX, template_workbook
from kilowatt.web.kit.forms import REQUIRED, Fields, Says, Upload
from kilowatt.web.kit.i18n import N_
from kilowatt.web.kit.templating import SECURITY_HEADERS
from kilowatt.web.operator.context import AssetsPage, Page
from kilowatt.web.operator.routes.assets.common import WritePage

router = APIRouter()


def _import_page(
    page: Page,
    problems: list[Any] | None = None,
    result: Any = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return page.render(
        "assets/import.html",
        {
            "problems": problems or [],
            "result": result,
            "error": error,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "max_rows": MAX_ROWS,
        },
        status,
    )


@router.get("/assets/import")
async def import_form(page: WritePage) -> Response:
    return _import_page(page)


@router.get("/assets/import/template.xlsx")
async def import_template(page: AssetsPage) -> Response:
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": 'attachment; filename="kilowatt-import.xlsx"',
    }
    return Response(template_workbook(), media_type=XLSX, headers=headers)


class ImportForm(Fields):
    file: Annotated[Upload, REQUIRED, Says(N_("Choose an .xlsx file to import."))] = None


@router.post("/assets/import")
async def import_workbook(page: WritePage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(ImportForm)
    upload = reading.data.file
    if upload is None:
        return _import_page(page, error=reading.errors["file"], status=422)
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        message = _("The file is larger than %(mb)s MB: split it into several imports.") % {
            "mb": MAX_BYTES // (1024 * 1024)
        }
        return _import_page(page, error=message, status=413)
    try:
        result = await page.web.services.imports.import_workbook(page.principal, content)
    except ImportRefused as refused:
        return _import_page(page, problems=ordered(refused.problems), status=422)
    except Conflict:
        message = _("Someone changed the same sites or stations meanwhile: nothing was imported.")
        return _import_page(page, error=message, status=409)
    return _import_page(page, result=result)
