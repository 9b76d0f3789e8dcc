"""The operator dashboard: server-rendered pages (Jinja2, gettext) over the same services as
the REST API, built on the web kit (web/kit). Signed in with an email and password; a
server-side session in a cookie."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import Response

from kilowatt.web.kit.frame import navigate
from kilowatt.web.operator.context import (
    ENROLMENT_PAGE,
    TEMPLATES,
    EnrolmentRequired,
    SignInRequired,
)
from kilowatt.web.operator.routes import router

__all__ = ["TEMPLATES", "install", "router"]


def install(app: FastAPI) -> None:
    """Mount the pages and send whoever is not signed in (or must enrol first) on their way.
    The error page and the static files: web/__init__.py."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return navigate(request, "/login?next=" + quote(exc.next_url))

    @app.exception_handler(EnrolmentRequired)
    async def _enrol(request: Request, exc: EnrolmentRequired) -> Response:
        return navigate(request, ENROLMENT_PAGE)

    app.include_router(router)
