"""The dashboard's frame: signing in and out, the navigation, keyboard use, both screen sizes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Operator
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
