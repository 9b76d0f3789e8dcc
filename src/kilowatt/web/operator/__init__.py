"""The operator dashboard: server-rendered pages (Jinja2, gettext) over the same services as
the REST API, built on the web kit (web/kit). Signed in with an email and password; a
server-side session in a cookie."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from kilowatt.web.kit.i18n import negotiate
from kilowatt.web.kit.templating import SECURITY_HEADERS
from kilowatt.web.operator.context import (
    ENROLMENT_PAGE,
    EnrolmentRequired,
    SignInRequired,
    WebError,
    render,
)
from kilowatt.web.operator.routes import router

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """Mount the pages and their error page (the static files: web/kit/assets.py)."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = "/login?next=" + quote(exc.next_url)
        if request.headers.get("hx-request"):
            # htmx follows a redirect inside the page; have it load the sign-in page instead
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    @app.exception_handler(EnrolmentRequired)
    async def _enrol(request: Request, exc: EnrolmentRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": ENROLMENT_PAGE})
        return RedirectResponse(ENROLMENT_PAGE, status_code=303, headers=SECURITY_HEADERS)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        locale = negotiate(request.headers.get("accept-language"))
        return render(
            locale,
            "error.html",
            {"status": exc.status_code, "message": exc.message},
            exc.status_code,
        )

    app.include_router(router)
