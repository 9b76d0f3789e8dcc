"""What every web route needs from its request: services, settings, the client, the session,
the locale and its gettext, and the CSRF check."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import HTMLResponse

from kilowatt.clients import client_address, is_https
from kilowatt.config import Settings
from kilowatt.domain.permissions import Permission, allows
from kilowatt.domain.users import Principal
from kilowatt.services.container import Services
from kilowatt.services.web_sessions import SessionView
from kilowatt.web.kit.i18n import negotiate, translations
from kilowatt.web.kit.templating import Templates, with_map_tiles

TEMPLATES = Templates(Path(__file__).parent / "templates")
render = TEMPLATES.render

COOKIE = "kilowatt_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WebError(Exception):
    """Answered with the error page, in the caller's language."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass
class Web:
    request: Request
    services: Services
    settings: Settings
    address: str | None
    https: bool
    locale: str
    gettext: Callable[[str], str]
    session: SessionView | None = None

    @property
    def cookie_token(self) -> str | None:
        return self.request.cookies.get(COOKIE)

    @property
    def secure_cookie(self) -> bool:
        """The session cookie (which also carries the CSRF token's session) is Secure on
        HTTPS, when configured, and whenever the public URL is https."""
        return self.https or self.settings.session_cookie_secure or self.settings.public_https


async def web_context(request: Request) -> Web:
    state = request.app.state
    settings: Settings = state.container.settings
    trusted = settings.trusted_proxy_networks
    peer = request.client.host if request.client else None
    locale = negotiate(request.headers.get("accept-language"))
    web = Web(
        request=request,
        services=state.services,
        settings=settings,
        address=client_address(peer, request.headers.get("x-forwarded-for"), trusted),
        https=is_https(request.url.scheme, request.headers.get("x-forwarded-proto"), peer, trusted),
        locale=locale,
        gettext=translations(locale).gettext,
    )
    web.session = await web.services.web_sessions.resolve(web.cookie_token, web.address)
    if request.method in UNSAFE:
        await _check_csrf(web)
    return web


async def _check_csrf(web: Web) -> None:
    """Every state-changing web request carries its session's CSRF token, as the form field
    ``csrf_token`` or the header ``X-CSRF-Token`` (htmx)."""
    _ = web.gettext
    sent = web.request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = web.request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await web.request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = web.session.csrf_token if web.session is not None else None
    if not sent or expected is None or not hmac.compare_digest(sent, expected):
        raise WebError(
            403,
            _(
                "This form has expired or did not come from this site. Reload the page and "
                "try again."
            ),
        )


WebDep = Annotated[Web, Depends(web_context)]


class SignInRequired(Exception):
    """The page needs a signed-in operator: answered with a redirect to /login?next=<page>."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


ENROLMENT_PAGE = "/account/two-factor"


class EnrolmentRequired(Exception):
    """The organization requires two-factor sign-in of this operator, who has none yet:
    answered with a redirect to the enrolment page, whatever page was asked for."""


@dataclass(frozen=True)
class Page:
    """A signed-in operator on a page: who (for the services), and what every template of the
    layout needs (the CSRF token, the user, what the navigation may offer)."""

    web: Web
    principal: Principal
    view: SessionView

    def render(
        self,
        name: str,
        context: dict[str, Any],
        status_code: int = 200,
        *,
        map_tiles: bool = False,
    ) -> HTMLResponse:
        """The page ``name`` in the layout; ``map_tiles``: it shows the site map."""
        layout = {
            "csrf_token": self.view.csrf_token,
            "user": self.view.user,
            "organization": self.view.organization,
            "may": frozenset(p.value for p in Permission if allows(self.principal, p)),
            "path": self.web.request.url.path,
            "tile_url": self.web.settings.map_tile_url,
            "tile_attribution": self.web.settings.map_attribution,
        }
        headers = with_map_tiles(self.web.settings.map_tile_url) if map_tiles else None
        return render(self.web.locale, name, {**layout, **context}, status_code, headers)

    def may(self, permission: Permission) -> bool:
        return allows(self.principal, permission)


def page_for(*permissions: Permission, enrolment: bool = False) -> Callable[[Web], Awaitable[Page]]:
    """A dependency: the signed-in operator, if their role grants every one of
    ``permissions`` (403 page otherwise, recorded in the audit log); not signed in: a redirect
    to the sign-in page; required to enrol in two-factor sign-in and not enrolled: a redirect
    to the enrolment page (except on it: ``enrolment``)."""

    async def dependency(web: WebDep) -> Page:
        view = web.session
        if view is None or view.user is None or view.principal is None:
            target = web.request.url.path
            if web.request.url.query:
                target += "?" + web.request.url.query
            raise SignInRequired(target)
        if view.must_enrol and not enrolment:
            raise EnrolmentRequired
        principal = view.principal.at(web.address)
        missing = [p.value for p in permissions if not allows(principal, p)]
        if missing:
            route = f"{web.request.method} {web.request.url.path}"
            await web.services.audit.forbidden(principal, missing, route)
            raise WebError(403, web.gettext("Your role does not allow this page."))
        return Page(web, principal, view)

    return dependency


SignedIn = Annotated[Page, Depends(page_for())]
AssetsPage = Annotated[Page, Depends(page_for(Permission.ASSETS_READ))]
SessionsPage = Annotated[Page, Depends(page_for(Permission.SESSIONS_READ))]
