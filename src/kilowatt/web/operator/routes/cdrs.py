"""Dashboard pages: correcting a session's bill — a credit record, with its reason, that
negates the CDR (which stays as it was); a prepaid wallet gets the charge back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.cdrs import CdrKind
from kilowatt.domain.errors import Conflict, InvalidInput, NotFound
from kilowatt.domain.exports import zone_of
from kilowatt.domain.permissions import Permission
from kilowatt.web.kit.context import WebError
from kilowatt.web.kit.forms import REQUIRED, Fields, Says
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import Page, page_for
from kilowatt.web.operator.costs import bill_view
from kilowatt.web.operator.paths import TransactionId

router = APIRouter()

CreditPage = Annotated[Page, Depends(page_for(Permission.SESSIONS_READ, Permission.FINANCE_MANAGE))]


class CreditForm(Fields):
    reason: Annotated[
        str,
        Field(max_length=500),
        REQUIRED,
        Says(N_("Say why the bill is corrected (at most 500 characters).")),
    ] = ""


async def _page(
    page: Page,
    transaction_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    _ = page.web.gettext
    services = page.web.services
    try:
        row = await services.exports.session(page.principal, transaction_id)
        cdrs = await services.cdrs.for_transaction(page.principal, transaction_id)
    except NotFound:
        raise WebError(404, _("There is no such session.")) from None
    bill = await bill_view(page, cdrs, zone_of(row.timezone))
    if bill is None:
        raise WebError(409, _("This session is not billed yet: there is nothing to credit."))
    if bill["credit"] is not None:
        raise WebError(409, _("This bill was credited already."))
    context: dict[str, Any] = {
        "transaction_id": transaction_id,
        "bill": bill,
        "values": values or {"reason": ""},
        "errors": errors or {},
    }
    return page.render("transactions/credit.html", context, status_code)


@router.get("/sessions/{transaction_id}/credit")
async def credit_form(transaction_id: TransactionId, page: CreditPage) -> Response:
    return await _page(page, transaction_id)


@router.post("/sessions/{transaction_id}/credit")
async def credit(transaction_id: TransactionId, page: CreditPage) -> Response:
    _ = page.web.gettext
    reading = await page.web.form(CreditForm)
    errors = dict(reading.errors)
    if errors:
        return await _page(page, transaction_id, reading.values, errors, 422)
    services = page.web.services
    try:
        cdrs = await services.cdrs.for_transaction(page.principal, transaction_id)
    except NotFound:
        raise WebError(404, _("There is no such session.")) from None
    bill = next((c for c in cdrs if c.kind is CdrKind.CDR), None)
    if bill is None or bill.id is None:
        raise WebError(409, _("This session is not billed yet: there is nothing to credit."))
    try:
        await services.cdrs.credit(page.principal, bill.id, reading.data.reason)
    except InvalidInput:
        errors = {"reason": _("Say why the bill is corrected (at most 500 characters).")}
        return await _page(page, transaction_id, reading.values, errors, 422)
    except (Conflict, NotFound):
        raise WebError(409, _("This bill was credited already.")) from None
    return redirect(f"/sessions/{transaction_id}?credited=1#cost")
