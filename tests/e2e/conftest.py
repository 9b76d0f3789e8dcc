"""Browser tests: Debian's chromium driven by Playwright against a real Kilowatt server.

One server (SQLite, no map tiles so that nothing leaves the machine) and one browser per
xdist worker; every test gets a fresh browser context signed in as an admin of the server's
organization. A test fails when its page logs a console error or throws.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Response,
    expect,
    sync_playwright,
)

from tests.support.server import RunningServer, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-password-1"
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
REMOTE_START_WINDOW = 4


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Kilowatt on SQLite, accepting unknown stations, with no outside map tiles, and remote
    starts that wait REMOTE_START_WINDOW seconds for their session (a test sees one give up)."""
    data_dir = Path(tmp_path_factory.mktemp("kilowatt-e2e"))
    server = start_server(
        "sqlite",
        data_dir,
        map_tile_url="",
        unknown_station_policy="accept",
        remote_start_window=REMOTE_START_WINDOW,
    )
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Operator:
    email: str
    password: str
    id: int


def create_operator(server: RunningServer, role: str = "admin", **extra: object) -> Operator:
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.test"
    with server.api() as api:
        response = api.post(
            "/users", json={"email": email, "password": PASSWORD, "role": role, **extra}
        )
        assert response.status_code == 201, response.text
        return Operator(email, PASSWORD, response.json()["id"])


ANSWERED_FORMS = frozenset({401, 403, 404, 409, 413, 422, 429})
"""Statuses a page itself may be answered with (a form with an error beside a field, a refused
action): Chromium reports such a document as a failed resource load, which is not a fault of
the page. The same status on a script, a stylesheet or an image still fails the test."""


@dataclass
class Problems:
    """What went wrong in the browser: console errors and uncaught exceptions."""

    messages: list[str] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)
    """Pages (documents and htmx fragments) answered with one of ANSWERED_FORMS."""

    def response(self, response: Response) -> None:
        kind = response.request.resource_type
        if response.status in ANSWERED_FORMS and kind in ("document", "xhr", "fetch"):
            self.answered.add(response.url)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and url in self.answered:
            return
        self.messages.append(f"console: {message.text} ({message.location})")

    def thrown(self, error: Error) -> None:
        self.messages.append(f"uncaught: {error.message}")


def wait_live(page: Page) -> None:
    """Wait until the page's live stream is subscribed (static/kilowatt.js marks <body> once
    the server says so): no event is missed from then on."""
    expect(page.locator("body")).to_have_attribute("data-live", "on")


def sign_in(page: Page, server: RunningServer, operator: Operator) -> None:
    page.goto(f"{server.base_url}/login")
    page.get_by_label("Email address").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.base_url}/")


@pytest.fixture(scope="session")
def admin(dashboard: RunningServer) -> Operator:
    return create_operator(dashboard, "admin")


def open_page(
    browser: Browser, server: RunningServer, operator: Operator, viewport: dict[str, int]
) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, base_url=server.base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = Problems()
    page.on("response", problems.response)
    page.on("console", problems.console)
    page.on("pageerror", problems.thrown)
    try:
        sign_in(page, server, operator)
        yield page
    finally:
        context.close()
    assert not problems.messages, "\n".join(problems.messages)


@pytest.fixture
def page(browser: Browser, dashboard: RunningServer, admin: Operator) -> Iterator[Page]:
    """A browser tab at 1280x800, signed in as an admin."""
    yield from open_page(browser, dashboard, admin, LAPTOP)


@pytest.fixture
def tablet(browser: Browser, dashboard: RunningServer, admin: Operator) -> Iterator[Page]:
    """A browser tab at 768x1024, signed in as an admin."""
    yield from open_page(browser, dashboard, admin, TABLET)


@pytest.fixture
def api(dashboard: RunningServer) -> Iterator[httpx.Client]:
    with dashboard.api() as client:
        yield client
