"""The operator dashboard: server-rendered pages (Jinja2, gettext) over the same services as
the REST API. Signed in with an email and password; a server-side session in a cookie."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from kilowatt.web import assets
from kilowatt.web.context import ENROLMENT_PAGE, EnrolmentRequired, SignInRequired, WebError
from kilowatt.web.i18n import negotiate
from kilowatt.web.routes import router
from kilowatt.web.templating import SECURITY_HEADERS, render
from kilowatt.web.timing import ServerTiming

__all__ = ["install", "router"]


def install(app: FastAPI, assets_dir: str = "") -> None:
    """Mount the pages, their static files and their error page."""

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
    app.add_middleware(ServerTiming)
    assets.install(app, assets_dir)
