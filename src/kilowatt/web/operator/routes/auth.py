"""Sign in (the password, then for operators with two-factor sign-in their code) and sign
out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from kilowatt.domain.errors import Throttled
from kilowatt.services.web_sessions import CodeExpired, LoginFailed, SessionView
from kilowatt.web.kit.forms import LINK, VERBATIM, Checkbox, Fields, Required
from kilowatt.web.kit.frame import redirect
from kilowatt.web.kit.i18n import N_
from kilowatt.web.operator.context import COOKIE, OperatorWeb, WebDep, render

router = APIRouter()

Next = Annotated[str, Field(max_length=2000), LINK]
"""The page to go to once signed in (only a path of this site: safe_next)."""


class SignInQuery(Fields):
    next: Next = "/"
    expired: Checkbox = False
    """The time to enter the code ran out: the password again."""


class SignInForm(Fields):
    email: Annotated[str, Field(max_length=320), Required(N_("Enter your email address."))] = ""
    password: Annotated[
        str, Field(max_length=1024), VERBATIM, Required(N_("Enter your password."))
    ] = ""
    next: Next = "/"


class CodeForm(Fields):
    code: Annotated[
        str,
        Field(max_length=64),
        Required(N_("Enter the code your authenticator app shows, or a recovery code.")),
    ] = ""
    next: Next = "/"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def set_session_cookie(web: OperatorWeb, response: Response, view: SessionView) -> None:
    web.set_cookie(response, COOKIE, view.token)


def _form(
    web: OperatorWeb,
    view: SessionView,
    *,
    email: str = "",
    next_url: str = "/",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    response = render(
        web.locale,
        "login.html",
        {
            "csrf_token": view.csrf_token,
            "email": email,
            "next": next_url,
            "errors": errors or {},
        },
        status_code,
    )
    return response


@router.get("/login")
async def login_form(web: WebDep) -> Response:
    _ = web.gettext
    query = web.query(SignInQuery).data
    target = safe_next(query.next)
    if web.session is not None and web.session.user is not None:
        return redirect(target)
    view = web.session or await web.services.web_sessions.start(web.address)
    errors: dict[str, str] = {}
    if query.expired:
        errors["email"] = _("The time to enter the code ran out. Sign in again.")
    response = _form(web, view, next_url=target, errors=errors)
    if view is not web.session:
        set_session_cookie(web, response, view)
    return response


@router.post("/login")
async def login(web: WebDep) -> Response:
    _ = web.gettext
    assert web.session is not None  # the CSRF check needs one
    reading = await web.form(SignInForm)
    email, password = reading.values["email"], reading.data.password
    target = safe_next(reading.data.next)
    errors = dict(reading.errors)
    if errors:
        return _form(web, web.session, email=email, next_url=target, errors=errors, status_code=422)
    try:
        view = await web.services.web_sessions.login(web.cookie_token, email, password, web.address)
    except LoginFailed:
        errors["password"] = _("The email address or the password is not right.")
        return _form(web, web.session, email=email, next_url=target, errors=errors, status_code=401)
    except Throttled as throttled:
        errors["email"] = _(
            "Too many failed attempts to sign in. Wait a few minutes and try again."
        )
        response = _form(
            web, web.session, email=email, next_url=target, errors=errors, status_code=429
        )
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    if view.awaiting_code:
        response = redirect("/login/code?next=" + quote(target, safe="/"))
    else:
        response = redirect(target)
    set_session_cookie(web, response, view)
    return response


def _code_form(
    web: OperatorWeb,
    view: SessionView,
    *,
    next_url: str,
    error: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        web.locale,
        "login_code.html",
        {"csrf_token": view.csrf_token, "next": next_url, "error": error},
        status_code,
    )


@router.get("/login/code")
async def code_form(web: WebDep) -> Response:
    """The second step of signing in: the code of the authenticator app."""
    target = safe_next(web.query(SignInQuery).data.next)
    if web.session is not None and web.session.user is not None:
        return redirect(target)
    if web.session is None or not web.session.awaiting_code:
        return redirect("/login?next=" + quote(target, safe="/"))
    return _code_form(web, web.session, next_url=target)


@router.post("/login/code")
async def code(web: WebDep) -> Response:
    _ = web.gettext
    assert web.session is not None  # the CSRF check needs one
    reading = await web.form(CodeForm)
    typed = reading.data.code
    target = safe_next(reading.data.next)
    if reading.errors:
        error = next(iter(reading.errors.values()))
        return _code_form(web, web.session, next_url=target, error=error, status_code=422)
    try:
        view = await web.services.web_sessions.second_factor(web.cookie_token, typed, web.address)
    except CodeExpired:
        return redirect("/login?expired=1&next=" + quote(target, safe="/"))
    except LoginFailed:
        error = _("The code is not right. Enter the code the app shows now, or a recovery code.")
        return _code_form(web, web.session, next_url=target, error=error, status_code=401)
    except Throttled as throttled:
        error = _("Too many failed attempts to sign in. Wait a few minutes and try again.")
        response = _code_form(web, web.session, next_url=target, error=error, status_code=429)
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    response = redirect(target)
    set_session_cookie(web, response, view)
    return response


@router.post("/logout")
async def logout(web: WebDep) -> Response:
    await web.services.web_sessions.logout(web.cookie_token, web.address)
    response = redirect("/login")
    web.delete_cookie(response, COOKIE)
    return response
