"""The frame around every app's pages: redirects that keep the security headers, a redirect
htmx follows as a page load, and the error page of the app a path belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from inspect import isawaitable

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from kilowatt.web.kit.context import WebError, locale_of
from kilowatt.web.kit.i18n import translations
from kilowatt.web.kit.templating import SECURITY_HEADERS, Templates


def redirect(url: str) -> Response:
    """See ``url`` (303: after a form, the browser asks for it with GET)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def navigate(request: Request, url: str) -> Response:
    """Go to ``url`` as a whole page, also from an htmx request (htmx would follow a redirect
    inside the page: it is told to load ``url`` instead)."""
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return redirect(url)


def install_error_pages(app: FastAPI, apps: Sequence[tuple[str, Templates]]) -> None:
    """A ``WebError`` is answered with the ``error.html`` of the app whose path prefix the
    request's path has (the longest that matches; ``apps``: (prefix, its templates))."""
    by_length = sorted(apps, key=lambda app_: len(app_[0]), reverse=True)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        path = request.url.path
        templates = next(t for prefix, t in by_length if path.startswith(prefix))
        locale = locale_of(request)
        return templates.render(
            locale,
            "error.html",
            {"status": exc.status_code, "message": exc.message},
            exc.status_code,
        )


MACHINE_PATHS = ("/api/", "/api", "/ocpp/", "/files/", "/health", "/static/")
"""Paths that programs ask for (the API, stations, file links, static files): their
"not found" stays as they have it (JSON, a bare 404)."""


def install_not_found_page(app: FastAPI, apps: Sequence[tuple[str, Templates]]) -> None:
    """A path no route answers, asked for by a person (not under ``MACHINE_PATHS``), gets the
    error page of the app it belongs to, in the caller's language, instead of JSON; other
    errors and other paths keep the handler installed before (the API's)."""
    before = app.exception_handlers.get(HTTPException)
    by_length = sorted(apps, key=lambda app_: len(app_[0]), reverse=True)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        person = not any(path == p or path.startswith(p) for p in MACHINE_PATHS)
        found = next((t for prefix, t in by_length if path.startswith(prefix)), None)
        if exc.status_code == 404 and person and found is not None:
            locale = locale_of(request)
            message = translations(locale).gettext("There is no such page.")
            return found.render(locale, "error.html", {"status": 404, "message": message}, 404)
        if before is None:
            return Response(status_code=exc.status_code, headers=getattr(exc, "headers", None))
        answer = before(request, exc)
        if isawaitable(answer):
            answer = await answer
        assert isinstance(answer, Response)
        return answer
