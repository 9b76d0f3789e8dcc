"""What every web route of every app needs from its request: services, settings, the client,
the locale and its gettext, its query string and form read by typed models (kit/forms.py),
cookies by one policy, and the CSRF check. An app extends ``Web`` with its own sign-in
(web/operator/context.py)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

from fastapi import Request
from starlette.responses import Response

from kilowatt.clients import client_address, is_https
from kilowatt.config import Settings
from kilowatt.services.container import Services
from kilowatt.web.kit.forms import BIGINT, F, Reading, read
from kilowatt.web.kit.i18n import LANGUAGE_COOKIE, N_, choose, translations

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def locale_of(request: Request) -> str:
    """The language of the answer: the one the person chose, else their browser's."""
    return choose(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


class WebError(Exception):
    """Answered with the app's error page, in the caller's language."""

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

    @classmethod
    def of(cls, request: Request) -> Self:
        state = request.app.state
        settings: Settings = state.container.settings
        trusted = settings.trusted_proxy_networks
        peer = request.client.host if request.client else None
        locale = locale_of(request)
        return cls(
            request=request,
            services=state.services,
            settings=settings,
            address=client_address(peer, request.headers.get("x-forwarded-for"), trusted),
            https=is_https(
                request.url.scheme, request.headers.get("x-forwarded-proto"), peer, trusted
            ),
            locale=locale,
            gettext=translations(locale).gettext,
        )

    @property
    def secure_cookie(self) -> bool:
        """Session cookies (which also carry the CSRF token's session) are Secure on HTTPS,
        when configured, and whenever the public URL is https."""
        return self.https or self.settings.session_cookie_secure or self.settings.public_https

    def cookie(self, name: str) -> str | None:
        return self.request.cookies.get(name)

    def set_cookie(self, response: Response, name: str, value: str) -> None:
        """A session cookie: the whole site, not for scripts, not sent by other sites' forms."""
        response.set_cookie(
            name,
            value,
            max_age=self.settings.session_max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookie,
        )

    def delete_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(
            name, path="/", httponly=True, samesite="lax", secure=self.secure_cookie
        )

    def query(self, model: type[F]) -> Reading[F]:
        """The query string read by ``model`` (kit/forms.py); a broken LINK field: 400."""
        return self._whole(read(model, self.request.query_params, self.gettext))

    async def form(self, model: type[F]) -> Reading[F]:
        """The form read by ``model`` (kit/forms.py); a broken LINK field: 400."""
        return self._whole(read(model, await self.request.form(), self.gettext))

    def _whole(self, reading: Reading[F]) -> Reading[F]:
        for name, problem in reading.broken.items():
            raise WebError(
                400,
                self.gettext("The address of this page is not right: “%(name)s”. %(problem)s")
                % {"name": name, "problem": problem},
            )
        return reading

    async def check_csrf(self, expected: str | None) -> None:
        """A state-changing request carries its session's CSRF token ``expected``, as the form
        field ``csrf_token`` or the header ``X-CSRF-Token`` (htmx); other requests pass."""
        if self.request.method not in UNSAFE:
            return
        sent = self.request.headers.get(CSRF_HEADER)
        if sent is None:
            content_type = self.request.headers.get("content-type", "")
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await self.request.form()
                value = form.get(CSRF_FIELD)
                sent = value if isinstance(value, str) else None
        if not sent or expected is None or not hmac.compare_digest(sent, expected):
            raise WebError(
                403,
                self.gettext(
                    "This form has expired or did not come from this site. Reload the page and "
                    "try again."
                ),
            )


def path_id(
    name: str,
    message: str = N_("There is no such page."),
    *,
    minimum: int = 1,
    maximum: int = BIGINT,
) -> Callable[[Request], Awaitable[int]]:
    """A dependency: the path parameter ``name`` as a number from ``minimum`` to ``maximum``
    (the column's range); anything else names nothing there is: the 404 page with ``message``
    (a msgid marked with ``N_``). ``Annotated[int, Depends(path_id("site_id"))]``."""

    async def dependency(request: Request) -> int:
        text = str(request.path_params[name])
        if text.isascii() and text.isdigit() and minimum <= int(text) <= maximum:
            return int(text)
        gettext = translations(locale_of(request)).gettext
        raise WebError(404, gettext(message))

    return dependency
