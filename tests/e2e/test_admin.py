"""Administration and asset removal in Chromium: an owner invites an operator whose invitation
arrives at a local aiosmtpd, and the invitee accepts it and signs in; a site with stations and
sessions ticked in the assets list is deleted after the confirmation that counts them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, Operator, Problems, create_operator, open_page
from tests.e2e.test_faults import in_thread
from tests.support.mailbox import Mailbox
from tests.support.ocpp16 import charge_point
from tests.support.server import RunningServer, start_server, stop_server

INVITEE_PASSWORD = "invitee-chose-this-password"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[RunningServer]:
    running = start_server(
        "sqlite",
        Path(tmp_path_factory.mktemp("kilowatt-e2e-admin")),
        map_tile_url="",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_from="kilowatt@example.test",
    )
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def owner(server: RunningServer) -> Operator:
    return create_operator(server, "owner")


@pytest.fixture
def page(browser: Browser, server: RunningServer, owner: Operator) -> Iterator[Page]:
    yield from open_page(browser, server, owner, LAPTOP)


def test_an_owner_invites_an_operator_who_accepts_and_signs_in(
    page: Page, browser: Browser, server: RunningServer, mailbox: Mailbox
) -> None:
    email = f"new-colleague-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Operators"
    ).click()
    page.get_by_role("link", name="Invite an operator").click()
    # No address: the error beside the field, nothing sent.
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#f-email-error")).to_have_text("Enter the email address of the person.")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Name").fill("Nora Newcomer")
    page.get_by_label("Operator", exact=False).first.check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#notice")).to_have_text("The invitation was sent.")
    expect(page.locator(f'tr[data-user="{email}"]')).to_contain_text("Invited, not yet accepted")

    letter = mailbox.to(email)
    assert "Nora" not in letter.subject
    link = letter.link
    context = browser.new_context(viewport=LAPTOP, base_url=server.base_url)
    problems = Problems()
    invitee = context.new_page()
    invitee.on("response", problems.response)
    invitee.on("console", problems.console)
    invitee.on("pageerror", problems.thrown)
    try:
        invitee.goto(urlsplit(link).path)
        expect(invitee.locator("#invited-as")).to_contain_text(email)
        invitee.locator("#f-password").fill(INVITEE_PASSWORD)
        invitee.locator("#f-repeat").fill("not the same password")
        invitee.get_by_role("button", name="Accept and set password").click()
        expect(invitee.locator("#f-repeat-error")).to_have_text("The two passwords differ.")
        invitee.locator("#f-password").fill(INVITEE_PASSWORD)
        invitee.locator("#f-repeat").fill(INVITEE_PASSWORD)
        invitee.get_by_role("button", name="Accept and set password").click()
        invitee.wait_for_url("**/login**")
        invitee.get_by_label("Email address").fill(email)
        invitee.get_by_label("Password").fill(INVITEE_PASSWORD)
        invitee.get_by_role("button", name="Sign in").click()
        invitee.wait_for_url(f"{server.base_url}/")
        expect(invitee.locator("#signed-in")).to_have_text("Signed in as Nora Newcomer")
    finally:
        context.close()
    assert not problems.messages, "\n".join(problems.messages)
    page.reload()
    expect(page.locator(f'tr[data-user="{email}"]')).to_contain_text("Active")


async def _sessions(server: RunningServer, station: str, tag: str, count: int) -> None:
    async with charge_point(server.ocpp_url, station) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        for n in range(count):
            started = await cp.start_tx(1, tag, 1000 * n)
            await cp.stop_tx(int(started.transaction_id), 1000 * n + 500)
        await cp.status(2, "Faulted", "GroundFailure")


def test_a_site_with_stations_and_sessions_is_deleted_after_its_counted_confirmation(
    page: Page, server: RunningServer
) -> None:
    marker = uuid.uuid4().hex[:6]
    name = f"Depot {marker}"
    stations = [f"CP-DEL-{marker}-{n}" for n in (1, 2)]
    tag = f"TAG-{marker}"
    with server.api() as api:
        site = api.post("/sites", json={"name": name}).json()
        for station in stations:
            answer = api.post(
                "/stations",
                json={
                    "ocpp_id": station,
                    "site_id": site["id"],
                    "security_profile": 0,
                    "connectors": [{"evse_id": 1}, {"evse_id": 2}],
                },
            )
            assert answer.status_code == 201, answer.text
        assert api.post("/id-tokens", json={"value": tag}).status_code == 201
    in_thread(_sessions(server, stations[0], tag, 3))

    page.goto("/assets")
    page.get_by_label(f"Select site {name}").check()
    page.get_by_role("button", name="Delete the ticked sites").click()
    expect(page.get_by_role("heading", name="Delete 1 site?")).to_be_visible()
    expect(page.locator('[data-count="stations"]')).to_have_text("2 stations, with 4 connectors")
    expect(page.locator('[data-count="sessions"]')).to_have_text(
        "3 charging sessions, with their meter readings"
    )
    expect(page.locator('[data-count="faults"]')).to_contain_text("1 fault")
    expect(page.locator("#accounting")).to_contain_text("What accounting keeps stays")
    expect(page.locator("#delete-stations tbody tr")).to_have_count(2)
    # Without the box: nothing goes, and the page says why.
    page.get_by_role("button", name="Delete these sites").click()
    expect(page.locator("#delete-refused")).to_contain_text("Nothing was deleted.")
    page.get_by_label("Yes, delete their 2 stations, with their sessions and faults, too").check()
    page.get_by_role("button", name="Delete these sites").click()
    expect(page.get_by_role("status")).to_have_text("The site was deleted.")
    expect(page.locator(f'tr[data-site="{name}"]')).to_have_count(0)
    with server.api() as api:
        assert api.get(f"/sites/{site['id']}").status_code == 404
        for station in stations:
            assert api.get(f"/stations/{station}").status_code == 404
    with httpx.Client(base_url=server.base_url) as client:
        assert client.get("/health").status_code == 200


PHONE = {"width": 390, "height": 844}
ADMIN_PAGES = (
    "/admin",
    "/admin/operators",
    "/admin/operators/invite",
    "/admin/api-keys",
    "/admin/api-keys/new",
    "/admin/audit",
    "/admin/drivers",
    "/admin/drivers/new",
    "/admin/tokens",
    "/admin/tokens/new",
    "/admin/tokens/import",
    "/admin/token-groups",
    "/admin/token-groups/new",
    "/admin/access-rules",
    "/admin/access-rules/new",
    "/assets",
    "/no-such-page",
)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_administration_page_fits_its_screen_without_console_errors(
    browser: Browser, server: RunningServer, owner: Operator, viewport: dict[str, int]
) -> None:
    for page in open_page(browser, server, owner, viewport):
        for path in ADMIN_PAGES:
            page.goto(path)
            expect(page.locator("h1")).to_be_visible()
            # The page's own content (the shared top bar is the layout's to fit).
            width = page.evaluate("document.querySelector('main').scrollWidth")
            room = page.evaluate("document.querySelector('main').clientWidth")
            assert width <= room, (path, width, room)
