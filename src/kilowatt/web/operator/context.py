"""The operator dashboard's part of a request: the operator's sign-in session (its cookie),
its CSRF check, and the page guard ``page_for`` that every page goes through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import HTMLResponse

from kilowatt.domain.permissions import Permission, allows
from kilowatt.domain.users import Principal
from kilowatt.services.web_sessions import SessionView
from kilowatt.web.kit.context import Web, WebError
from kilowatt.web.kit.templating import Templates, with_map_tiles
from kilowatt.web.operator.rows.commands import status_words

TEMPLATES = Templates(
    Path(__file__).parent / "templates",
    lambda gettext: {"command_words": status_words(gettext)},
)
render = TEMPLATES.render

COOKIE = "kilowatt_session"


@dataclass
class OperatorWeb(Web):
    """A request to the dashboard, with the sign-in session its cookie names (None: none)."""

    session: SessionView | None = None

    @property
    def cookie_token(self) -> str | None:
        return self.cookie(COOKIE)


async def operator_web(request: Request) -> OperatorWeb:
    web = OperatorWeb.of(request)
    web.session = await web.services.web_sessions.resolve(web.cookie_token, web.address)
    await web.check_csrf(web.session.csrf_token if web.session is not None else None)
    return web


WebDep = Annotated[OperatorWeb, Depends(operator_web)]


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

    web: OperatorWeb
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


def page_for(
    *permissions: Permission, enrolment: bool = False
) -> Callable[[OperatorWeb], Awaitable[Page]]:
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
