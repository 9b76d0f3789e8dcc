"""Two-factor sign-in over HTTP against a running server: enrolment with a code computed as an
authenticator app would (pyotp), the code asked after the password, replayed and recovery
codes, turning it off, the organization's requirement for owners and admins, an admin's
reset; and Secure cookies whenever the public URL is https.

The server trusts 127.0.0.1 as a proxy, so that each test comes from an address of its own."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.conftest import BACKENDS
from tests.support.addresses import new_address
from tests.support.server import RunningServer, start_server, stop_server
from tests.support.tenants import PASSWORD, api_client, created

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r'data-secret="([A-Z2-7]{32})"')
RECOVERY = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")


@pytest.fixture(scope="module", params=BACKENDS)
def web_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"kilowatt-2fa-{request.param}"))
    server = start_server(
        str(request.param),
        data_dir,
        trusted_proxies="127.0.0.1/32,::1/128",
        login_max_failures=3,
    )
    try:
        yield server
    finally:
        stop_server(server)


def code(secret: str, offset: int = 0) -> str:
    """What the app shows ``offset`` 30-second steps from now."""
    moment = datetime.now(UTC) + timedelta(seconds=30 * offset)
    return pyotp.TOTP(secret).at(int(moment.timestamp()))


def not_the_code(secret: str) -> str:
    """Six digits that no step near now has as its code."""
    near = {code(secret, offset) for offset in (-1, 0, 1, 2)}
    return next(guess for guess in ("000000", "111111", "222222", "333333") if guess not in near)


class Browser:
    def __init__(self, server: RunningServer) -> None:
        self.address = new_address()
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

    def csrf(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text)
        found = CSRF.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def give_code(self, value: str) -> httpx.Response:
        token = self.csrf("/login/code")
        return self.client.post("/login/code", data={"code": value, "csrf_token": token})

    def post(self, path: str, form_page: str, **data: str) -> httpx.Response:
        return self.client.post(path, data={"csrf_token": self.csrf(form_page), **data})

    def enrol(self) -> tuple[str, list[str]]:
        """Turn two-factor sign-in on: the secret and the recovery codes."""
        page = self.client.get("/account/two-factor")
        assert page.status_code == 200, page.text
        found = SECRET.search(page.text)
        assert found is not None, page.text
        secret = found.group(1)
        answer = self.post(
            "/account/two-factor/enable", "/account/two-factor", secret=secret, code=code(secret)
        )
        assert answer.status_code == 200, answer.text
        return secret, RECOVERY.findall(answer.text)


def new_user(server: RunningServer, role: str = "operator") -> dict[str, Any]:
    with api_client(server, server.api_key) as owner:
        return created(
            owner.post(
                "/users",
                json={
                    "email": f"tf-{uuid.uuid4().hex[:8]}@example.com",
                    "password": PASSWORD,
                    "role": role,
                },
            )
        )


def audit(server: RunningServer, **filters: Any) -> list[dict[str, Any]]:
    with api_client(server, server.api_key) as owner:
        response = owner.get("/audit", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_enrolment_then_sign_in_with_a_code_then_recovery_codes_then_off(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        assert browser.login(user["email"]).status_code == 303
        page = browser.client.get("/account/two-factor")
        assert "<svg" in page.text  # the QR code, inline (no script, no outside image)
        secret = SECRET.search(page.text)
        assert secret is not None
        wrong = browser.post(
            "/account/two-factor/enable",
            "/account/two-factor",
            secret=secret.group(1),
            code=not_the_code(secret.group(1)),
        )
        assert wrong.status_code == 422
        assert "The code is not right" in wrong.text
        assert secret.group(1) in wrong.text  # the same secret, to try again
        secret_value, recovery = browser.enrol()
        assert len(recovery) == 10
        assert len(set(recovery)) == 10

    with api_client(web_server, web_server.api_key) as owner:
        assert owner.get(f"/users/{user['id']}").json()["two_factor"] is True
    entries = audit(web_server, action="user.two_factor_enable")
    assert any(e["actor_id"] == user["id"] for e in entries)
    assert secret_value not in str(entries)

    with Browser(web_server) as browser:
        # The password alone does not sign in: the code is asked for.
        answer = browser.login(user["email"])
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login/code")
        assert browser.client.get("/").status_code == 303
        assert browser.give_code(not_the_code(secret_value)).status_code == 401
        used = code(secret_value, 1)  # once: a later call may fall in the next step
        signed_in = browser.give_code(used)
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/"
        assert browser.client.get("/").status_code == 200

    with Browser(web_server) as browser:
        # The code already used is spent; a recovery code works once.
        assert browser.login(user["email"]).status_code == 303
        assert browser.give_code(used).status_code == 401
        assert browser.give_code(recovery[0].upper()).status_code == 303
        assert browser.client.get("/").status_code == 200
    with Browser(web_server) as browser:
        assert browser.login(user["email"]).status_code == 303
        assert browser.give_code(recovery[0]).status_code == 401
    logins = audit(web_server, action="login", object_id=user["email"].lower())
    assert [e["changes"].get("second_factor") for e in logins][:2] == ["recovery_code", "totp"]
    failed = audit(web_server, action="login.failed", object_id=user["email"].lower())
    assert all(e["changes"] == {"second_factor": "code"} for e in failed)
    assert recovery[0] not in str(failed) + str(logins)

    with Browser(web_server) as browser:
        assert browser.login(user["email"]).status_code == 303
        assert browser.give_code(recovery[1]).status_code == 303
        page = browser.client.get("/account/two-factor")
        assert "You have 8 unused recovery codes." in page.text
        off = browser.post("/account/two-factor/disable", "/account/two-factor", code=recovery[2])
        assert off.status_code == 303
    with Browser(web_server) as browser:
        assert browser.login(user["email"]).headers["location"] == "/"


def test_wrong_codes_count_like_wrong_passwords_per_account_and_address(
    web_server: RunningServer,
) -> None:
    user = new_user(web_server)
    with Browser(web_server) as browser:
        browser.login(user["email"])
        secret, _ = browser.enrol()
    with Browser(web_server) as attacker:  # knows the password, not the phone
        assert attacker.login(user["email"]).status_code == 303
        for _ in range(3):
            assert attacker.give_code(not_the_code(secret)).status_code == 401
        assert attacker.login(user["email"]).status_code == 429
    with Browser(web_server) as owner:  # elsewhere, the owner still signs in
        assert owner.login(user["email"]).status_code == 303
        assert owner.give_code(code(secret, 1)).status_code == 303


def test_the_organization_can_require_it_of_owners_and_admins(
    web_server: RunningServer,
) -> None:
    admin, operator = new_user(web_server, "admin"), new_user(web_server, "operator")
    with api_client(web_server, web_server.api_key) as owner:
        required = owner.patch("/organizations/current", json={"require_two_factor": True})
        assert required.status_code == 200, required.text
        assert required.json()["require_two_factor"] is True
        try:
            with Browser(web_server) as browser:
                assert browser.login(admin["email"]).status_code == 303
                for path in ("/", "/assets", "/stations"):
                    sent = browser.client.get(path)
                    assert sent.status_code == 303, path
                    assert sent.headers["location"] == "/account/two-factor"
                page = browser.client.get("/account/two-factor")
                assert 'id="enrol-required"' in page.text
                secret, recovery = browser.enrol()
                assert browser.client.get("/assets").status_code == 200
                # Required: it cannot be turned off.
                refused = browser.post(
                    "/account/two-factor/disable",
                    "/account/two-factor",
                    code=recovery[0],
                )
                assert refused.status_code == 403
            with Browser(web_server) as browser:  # an operator is not asked to enrol
                assert browser.login(operator["email"]).status_code == 303
                assert browser.client.get("/").status_code == 200

            # A lost phone: an admin (here the owner's key) resets it; the sessions end.
            with Browser(web_server) as browser:
                assert browser.login(admin["email"]).status_code == 303
                assert browser.give_code(code(secret, 1)).status_code == 303
                reset = owner.delete(f"/users/{admin['id']}/two-factor")
                assert reset.status_code == 200, reset.text
                assert reset.json()["two_factor"] is False
                assert browser.client.get("/").status_code == 303
            entries = audit(web_server, action="user.two_factor_reset", object_id=str(admin["id"]))
            assert entries[0]["changes"]["two_factor"] == [True, False]
        finally:
            owner.patch("/organizations/current", json={"require_two_factor": False})
    updates = audit(web_server, action="organization.update")
    assert updates[0]["changes"] == {"require_two_factor": [True, False]}
    assert updates[1]["changes"] == {"require_two_factor": [False, True]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_cookies_are_secure_whenever_the_public_url_is_https(backend: str, tmp_path: Path) -> None:
    server = start_server(backend, tmp_path, public_url="https://csms.example.test")
    try:
        page = httpx.get(f"{server.base_url}/login", timeout=30)
        assert page.status_code == 200
        attributes = {part.strip().lower() for part in page.headers["set-cookie"].split(";")}
        assert {"secure", "httponly", "samesite=lax"} <= attributes
    finally:
        stop_server(server)
