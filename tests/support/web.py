"""A signed-in dashboard visitor over plain HTTP (httpx), for tests of pages and forms that
need no browser."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.support.server import RunningServer
from tests.support.tenants import PASSWORD, api_client, created

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_operator(server: RunningServer, role: str = "admin", **fields: Any) -> dict[str, Any]:
    """An operator account of the server's organization; its password is PASSWORD."""
    marker = uuid.uuid4().hex[:8]
    with api_client(server, server.api_key) as owner:
        user: dict[str, Any] = created(
            owner.post(
                "/users",
                json={
                    "email": f"web-{marker}@example.com",
                    "password": PASSWORD,
                    "role": role,
                    "name": f"Operator {marker}",
                    **fields,
                },
            )
        )
    return user


class Visitor:
    """A cookie-keeping client; ``sign_in`` leaves it signed in with ``csrf`` known."""

    def __init__(self, server: RunningServer) -> None:
        self.client = httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30)
        self.csrf = ""

    def __enter__(self) -> Visitor:
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    def sign_in(self, email: str, password: str = PASSWORD) -> Visitor:
        form = self.client.get("/login")
        found = CSRF.search(form.text)
        assert found is not None, form.text
        answer = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": found.group(1)}
        )
        assert answer.status_code == 303, answer.text
        home = self.client.get("/")
        token = CSRF.search(home.text)
        assert token is not None, home.text
        self.csrf = token.group(1)
        return self

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form post carrying the CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)
