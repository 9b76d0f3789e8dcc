"""The signed-in operator's own account: two-factor sign-in (enrol with an authenticator app,
recovery codes, turn it off), for those who manage accounts, the organization's
requirement of it for owners and admins, and the language of the dashboard (a cookie of the
browser; without it, the language the browser asks for). Reachable while the organization
requires an operator to enrol (every other page sends them here)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Depends
from markupsafe import Markup
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Conflict, Forbidden, InvalidInput, Throttled
from kilowatt.domain.permissions import Permission
from kilowatt.domain.two_factor import grouped
from kilowatt.web.kit.forms import LINK, Checkbox, Fields
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import LANGUAGE_COOKIE, available, names
from kilowatt.web.operator.context import ENROLMENT_PAGE, Page, page_for

router = APIRouter()

AccountPage = Annotated[Page, Depends(page_for(enrolment=True))]
ManagePage = Annotated[Page, Depends(page_for(Permission.USERS_MANAGE, enrolment=True))]

Code = Annotated[str, Field(max_length=64)]
"""An authenticator app's code or a recovery code, as typed (the service reads it)."""


class AccountQuery(Fields):
    notice: Annotated[Literal["enabled", "disabled", "required", "not-required"] | None, LINK] = (
        None
    )


class CodeForm(Fields):
    code: Code = ""


class EnableForm(CodeForm):
    secret: Annotated[str, Field(max_length=128), LINK] = ""


class RequirementForm(Fields):
    require: Checkbox = False


class LanguageForm(Fields):
    language: Annotated[str, Field(max_length=16)] = ""


LANGUAGE_MAX_AGE = 400 * 24 * 3600
"""How long a browser keeps the language chosen (the longest browsers allow)."""


def _qr(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (no script, no style: the page's CSP holds)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, title=title, light="#fff")
    return Markup(svg)  # noqa: S704 - made here from our own URI, no user markup


def _notice(page: Page, key: str) -> str:
    _ = page.web.gettext
    return {
        "enabled": _("Two-factor sign-in is on."),
        "disabled": _("Two-factor sign-in is off."),
        "required": _("Owners and admins of the organization must now sign in with two factors."),
        "not-required": _("Two-factor sign-in is no longer required in the organization."),
    }.get(key, "")


async def _page(
    page: Page,
    *,
    secret: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    _ = page.web.gettext
    current = await page.web.services.two_factor.status(page.principal)
    context: dict[str, Any] = {
        "status": current,
        "errors": errors or {},
        "notice": _notice(page, page.web.query(AccountQuery).data.notice or ""),
        "manages": page.may(Permission.USERS_MANAGE) and not page.principal.limited,
        "organization_requires": bool(
            page.view.organization and page.view.organization.require_two_factor
        ),
        "languages": names(),
        "language": page.web.cookie(LANGUAGE_COOKIE) or "",
    }
    if not current.enabled:
        enrolment = page.web.services.two_factor.enrolment(page.principal, secret)
        context.update(
            secret=enrolment.secret,
            grouped_secret=grouped(enrolment.secret),
            qr=_qr(enrolment.uri, _("QR code for your authenticator app")),
        )
    return page.render("account/two_factor.html", context, status)


def _code_error(page: Page, error: Exception) -> tuple[dict[str, str], int]:
    _ = page.web.gettext
    if isinstance(error, Throttled):
        return {"code": _("Too many wrong codes. Wait a few minutes and try again.")}, 429
    if isinstance(error, Forbidden):
        return {
            "code": _(
                "Your organization requires two-factor sign-in of your role: it cannot be "
                "turned off."
            )
        }, 403
    if isinstance(error, Conflict):
        return {"code": _("This was done already. Reload the page.")}, 409
    return {"code": _("The code is not right. Enter the code the app shows now.")}, 422


@router.get(ENROLMENT_PAGE)
async def two_factor(page: AccountPage) -> Response:
    return await _page(page)


@router.post(f"{ENROLMENT_PAGE}/enable")
async def enable(page: AccountPage) -> Response:
    form = (await page.web.form(EnableForm)).data
    secret = form.secret
    try:
        codes = await page.web.services.two_factor.enable(page.principal, secret, form.code)
    except (InvalidInput, Throttled, Conflict) as error:
        errors, status = _code_error(page, error)
        return await _page(page, secret=secret, errors=errors, status=status)
    return page.render("account/recovery_codes.html", {"codes": codes, "enabled": True})


@router.post(f"{ENROLMENT_PAGE}/recovery-codes")
async def recovery_codes(page: AccountPage) -> Response:
    form = (await page.web.form(CodeForm)).data
    try:
        codes = await page.web.services.two_factor.new_recovery_codes(page.principal, form.code)
    except (InvalidInput, Throttled, Conflict) as error:
        errors, status = _code_error(page, error)
        return await _page(page, errors={"recovery": errors["code"]}, status=status)
    return page.render("account/recovery_codes.html", {"codes": codes, "enabled": False})


@router.post(f"{ENROLMENT_PAGE}/disable")
async def disable(page: AccountPage) -> Response:
    form = (await page.web.form(CodeForm)).data
    try:
        await page.web.services.two_factor.disable(page.principal, form.code)
    except (InvalidInput, Throttled, Conflict, Forbidden) as error:
        errors, status = _code_error(page, error)
        return await _page(page, errors={"disable": errors["code"]}, status=status)
    return redirect(f"{ENROLMENT_PAGE}?notice=disabled")


@router.post("/account/organization/two-factor")
async def organization_requirement(page: ManagePage) -> Response:
    value = (await page.web.form(RequirementForm)).data.require
    await page.web.services.organizations.require_two_factor(page.principal, value)
    return redirect(f"{ENROLMENT_PAGE}?notice={'required' if value else 'not-required'}")


@router.post("/account/language")
async def language(page: AccountPage) -> Response:
    """Keep the language chosen in a cookie; the empty choice forgets it (the browser's)."""
    chosen = (await page.web.form(LanguageForm)).data.language
    if chosen and chosen not in available():
        errors = {"language": page.web.gettext("Choose one of the options.")}
        return await _page(page, errors=errors, status=400)
    response = redirect(f"{ENROLMENT_PAGE}#language")
    if not chosen:
        page.web.delete_cookie(response, LANGUAGE_COOKIE)
        return response
    response.set_cookie(
        LANGUAGE_COOKIE,
        chosen,
        max_age=LANGUAGE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=page.web.secure_cookie,
    )
    return response
