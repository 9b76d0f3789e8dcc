"""The dashboard's frame: signing in and out, the navigation, keyboard use, both screen sizes."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, Operator, Problems
from tests.support.server import RunningServer


def test_signing_in_shows_the_user_and_every_area_of_the_dashboard(
    page: Page, admin: Operator
) -> None:
    expect(page.locator("#signed-in")).to_contain_text(admin.email.split("@")[0])
    navigation = page.get_by_role("navigation", name="Main")
    for area in ("Home", "Sites", "Stations", "Sessions", "Faults", "Assets"):
        expect(navigation.get_by_role("link", name=area)).to_be_visible()
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")


def test_the_keyboard_reaches_the_navigation_first(page: Page) -> None:
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Kilowatt")).to_be_focused()
    page.keyboard.press("Tab")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    ).to_be_focused()


def test_signing_out_ends_the_session(page: Page, dashboard: RunningServer) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url("**/login?next=/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_tablet_layout_keeps_the_navigation_on_screen(tablet: Page) -> None:
    navigation = tablet.get_by_role("navigation", name="Main")
    for area in ("Home", "Sites", "Sessions"):
        box = navigation.get_by_role("link", name=area).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 768
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways: {width}px wide"


def test_a_wrong_password_is_answered_beside_the_field(
    browser: Browser, dashboard: RunningServer, admin: Operator
) -> None:
    context = browser.new_context(viewport=LAPTOP, base_url=dashboard.base_url)
    page = context.new_page()
    problems = Problems()
    page.on("response", problems.response)
    page.on("console", problems.console)
    page.on("pageerror", problems.thrown)
    try:
        page.goto("/login")
        page.get_by_label("Email address").fill(admin.email)
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        error = page.locator("#password-error")
        expect(error).to_have_text("The email address or the password is not right.")
        expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Email address")).to_have_value(admin.email)
        # the answer was a 401 page: expected, not a console problem
        assert any(url.endswith("/login") for url in problems.answered)
    finally:
        context.close()
    assert problems.messages == []
