"""The frame around every app's pages: redirects that keep the security headers, a redirect
htmx follows as a page load, and the error page of the app a path belongs to."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from kilowatt.web.kit.context import WebError, locale_of
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
