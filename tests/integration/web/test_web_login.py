"""The dashboard's sign-in: sessions in the database, CSRF on every form, throttling, audit.

A server of its own trusts 127.0.0.1 as a proxy, so that each test can come "from" an address
of its own (X-Forwarded-For) and throttling of one does not touch another.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.addresses import new_address
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.tenants import PASSWORD, api_client, created

COOKIE = "kilowatt_session"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-web-{request.param}"))
    server = start_server(
        str(request.param),
        data_dir,
        trusted_proxies="127.0.0.1/32,::1/128",
        login_max_failures=3,
        login_max_failures_per_address=6,
        login_max_failures_per_account=8,
    )
    try:
        yield server
    finally:
        stop_server(server)


class Browser:
    """A cookie-keeping client coming from an address of its own."""

    def __init__(self, server: RunningServer, address: str | None = None) -> None:
        self.address = address or new_address()
        self.client = httpx.Client(
            base_url=server.base_url,
            headers={"X-Forwarded-For": self.address},
            follow_redirects=False,
            timeout=30,
        )

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: Any) -> None:
        self.client.close()

    @property
    def session(self) -> str | None:
        return self.client.cookies.get(COOKIE)

    def login_page(self, **params: str) -> tuple[httpx.Response, str]:
        page = self.client.get("/login", params=params)
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found is not None
        return page, found.group(1)

    def login(self, email: str, password: str, **extra: str) -> httpx.Response:
        _, csrf = self.login_page()
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf, **extra}
        )


def new_user(server: RunningServer, role: str = "operator", **fields: Any) -> dict[str, Any]:
    marker = uuid.uuid4().hex[:8]
    with api_client(server, server.api_key) as owner:
        user = created(
            owner.post(
                "/users",
                json={
                    "email": f"op-{marker}@example.com",
                    "password": PASSWORD,
                    "role": role,
                    "name": f"Operator {marker}",
                    **fields,
                },
            )
        )
    return user


def audit(server: RunningServer, **filters: Any) -> list[dict[str, Any]]:
    with api_client(server, server.api_key) as owner:
        response = owner.get("/audit", params={"limit": 200, **filters})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_start_page_sends_a_stranger_to_sign_in(web_server: RunningServer) -> None:
    with Browser(web_server) as browser:
        page = browser.client.get("/")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/"


def test_the_login_page_sets_a_session_cookie_and_a_csrf_token(web_server: RunningServer) -> None:
    with Browser(web_server) as browser:
        page, csrf = browser.login_page()
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in page.text
        assert 'for="email"' in page.text
        assert 'for="password"' in page.text
        assert len(csrf) >= 32
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "path=/" in attributes
        assert "secure" not in attributes  # plain HTTP
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        # The same session and token on the next visit.
        again, csrf_again = browser.login_page()
        assert csrf_again == csrf
        assert "set-cookie" not in again.headers


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(web_server: RunningServer) -> None:
    with Browser(web_server) as browser:
        page = browser.client.get("/login", headers={"X-Forwarded-Proto": "https"})
        attributes = {part.strip().lower() for part in page.headers["set-cookie"].split(";")}
        assert "secure" in attributes


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_login_post_without_the_right_csrf_token_is_refused(
    web_server: RunningServer, token: str | None
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        browser.login_page()
        data = {"email": user["email"], "password": PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        refused = browser.client.post("/login", data=data)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert 'id="error" data-status="403"' in refused.text
        assert COOKIE not in refused.headers.get("set-cookie", "")
        assert browser.client.get("/").status_code == 303  # still signed out


def test_a_csrf_token_of_another_session_is_refused(web_server: RunningServer) -> None:
    user = new_user(web_server)
    with Browser(web_server) as attacker, Browser(web_server) as victim:
        _, attackers_token = attacker.login_page()
        victim.login_page()
        forged = victim.client.post(
            "/login",
            data={"email": user["email"], "password": PASSWORD, "csrf_token": attackers_token},
        )
        assert forged.status_code == 403


def test_a_login_post_without_any_session_is_refused(web_server: RunningServer) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        refused = browser.client.post(
            "/login", data={"email": user["email"], "password": PASSWORD, "csrf_token": "x" * 43}
        )
        assert refused.status_code == 403


def test_sign_in_rotates_the_session_and_shows_who_is_signed_in(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        _, csrf_before = browser.login_page()
        before = browser.session
        assert before
        signed_in = browser.client.post(
            "/login",
            data={
                "email": user["email"].upper(),
                "password": PASSWORD,
                "csrf_token": csrf_before,
                "next": "/",
            },
        )
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/"
        after = browser.session
        assert after
        assert after != before
        home = browser.client.get("/")
        assert home.status_code == 200
        assert f"Signed in as {user['name']}" in home.text
        with api_client(web_server, web_server.api_key) as owner:
            organization = owner.get("/organizations/current").json()["name"]
        assert f"Organization: {organization}" in home.text
        assert "Role: Operator" in home.text  # the role in words
        # The pre-login session id is worthless now: neither a page nor a form takes it.
        with httpx.Client(base_url=web_server.base_url, cookies={COOKIE: before}) as stale:
            assert stale.get("/").status_code == 303
            replay = stale.post("/logout", data={"csrf_token": csrf_before}, follow_redirects=False)
            assert replay.status_code == 403
        assert browser.client.get("/").status_code == 200  # the new one still works
        # A signed-in visitor of /login goes on to the start page.
        assert browser.client.get("/login").status_code == 303


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web_server: RunningServer) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        assert browser.login(user["email"], PASSWORD).status_code == 303
        home = browser.client.get("/")
        csrf = CSRF.search(home.text)
        assert csrf is not None
        assert browser.client.post("/logout", data={}).status_code == 403
        assert browser.client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
        assert browser.client.get("/").status_code == 200  # still signed in
        session = browser.session
        out = browser.client.post("/logout", data={"csrf_token": csrf.group(1)})
        assert out.status_code == 303
        assert out.headers["location"] == "/login"
        with httpx.Client(base_url=web_server.base_url, cookies={COOKIE: session or ""}) as old:
            assert old.get("/").status_code == 303
        # htmx sends the token as a header instead of a form field.
        assert browser.login(user["email"], PASSWORD).status_code == 303
        token = CSRF.search(browser.client.get("/").text)
        assert token is not None
        by_header = browser.client.post("/logout", headers={"X-CSRF-Token": token.group(1)})
        assert by_header.status_code == 303


def test_form_errors_are_shown_beside_their_field(web_server: RunningServer) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        empty = browser.login("", "")
        assert empty.status_code == 422
        assert 'id="email-error"' in empty.text
        assert "Enter your email address." in empty.text
        assert 'id="password-error"' in empty.text
        wrong = browser.login(user["email"], "not-the-password")
        assert wrong.status_code == 401
        assert 'id="password-error"' in wrong.text
        assert "The email address or the password is not right." in wrong.text
        assert user["email"] in wrong.text  # the email is kept in its field
        assert "not-the-password" not in wrong.text
        unknown = browser.login("nobody-here@example.com", PASSWORD)
        assert unknown.status_code == 401
        assert unknown.text.replace("nobody-here@example.com", user["email"]) == wrong.text


def test_an_open_redirect_is_not_possible(web_server: RunningServer) -> None:
    user = new_user(web_server)
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example"):
        with Browser(web_server) as browser:
            signed_in = browser.login(user["email"], PASSWORD, next=target)
            assert signed_in.status_code == 303
            assert signed_in.headers["location"] == "/"


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        assert browser.login(user["email"], PASSWORD).status_code == 303
        with api_client(web_server, web_server.api_key) as owner:
            off = owner.patch(f"/users/{user['id']}", json={"is_active": False})
            assert off.status_code == 200
        assert browser.client.get("/").status_code == 303
        assert browser.login(user["email"], PASSWORD).status_code == 401


def test_failed_logins_of_one_account_are_throttled_per_address_and_audited(
    web_server: RunningServer,
) -> None:
    """An attacker failing from one address is throttled there; the owner signing in from
    another address is not locked out."""
    user = new_user(web_server)
    with Browser(web_server) as attacker:
        for _ in range(3):
            assert attacker.login(user["email"], "wrong-password!").status_code == 401
        # From that address the account is throttled, even with the right password.
        throttled = attacker.login(user["email"], PASSWORD)
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) > 0
        assert "Too many failed attempts" in throttled.text
        assert attacker.client.get("/").status_code == 303
    with Browser(web_server) as owner:
        signed_in = owner.login(user["email"], PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        assert owner.client.get("/").status_code == 200
    login_id = user["email"].lower()
    entries = audit(web_server, object_id=login_id)
    actions = [entry["action"] for entry in entries]
    assert actions.count("login.failed") == 3
    assert "login.throttled" in actions
    failed = next(entry for entry in entries if entry["action"] == "login.failed")
    assert failed["actor_type"] == "anonymous"
    assert failed["client_address"] == attacker.address  # from the trusted proxy's header
    assert "password" not in str(failed["changes"]).lower()


def test_a_distributed_guess_throttles_the_account_but_not_where_its_owner_signs_in(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as home:  # where the owner signed in before
        assert home.login(user["email"], PASSWORD).status_code == 303
        home_address = home.address
    for _ in range(4):  # eight failures from four addresses, two each
        with Browser(web_server) as bot:
            for _ in range(2):
                assert bot.login(user["email"], "wrong-password!").status_code == 401
    with Browser(web_server) as bot:  # a new address: throttled for this account
        assert bot.login(user["email"], PASSWORD).status_code == 429
    with Browser(web_server, home_address) as home:  # the owner's known address: not
        assert home.login(user["email"], PASSWORD).status_code == 303


def test_failed_logins_from_one_address_are_throttled(web_server: RunningServer) -> None:
    user = new_user(web_server)
    address = new_address()
    with Browser(web_server, address) as browser:
        for n in range(6):
            assert browser.login(
                f"guess-{n}-{uuid.uuid4().hex[:6]}@x.example", "pw"
            ).status_code == (401)
        assert browser.login(user["email"], PASSWORD).status_code == 429
    with Browser(web_server) as other:  # another address is not affected
        assert other.login(user["email"], PASSWORD).status_code == 303


def test_a_successful_login_is_audited_with_the_users_identity(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        assert browser.login(user["email"], PASSWORD).status_code == 303
        entries = audit(web_server, action="login", object_id=user["email"].lower())
        assert len(entries) == 1
        entry = entries[0]
        assert entry["actor_type"] == "user"
        assert entry["actor_id"] == user["id"]
        assert entry["client_address"] == browser.address


def test_there_is_no_default_account_or_password(tmp_path: Path) -> None:
    """A fresh installation has no operator account at all: nothing to sign in with."""
    server = start_server("sqlite", tmp_path)
    try:
        with api_client(server, server.api_key) as owner:
            assert owner.get("/users").json()["items"] == []
        for email, password in (
            ("admin", "admin"),
            ("admin@example.com", "admin"),
            ("admin@localhost", "password"),
            ("root", "kilowatt"),
        ):
            with Browser(server) as browser:
                assert browser.login(email, password).status_code == 401, email
    finally:
        stop_server(server)
