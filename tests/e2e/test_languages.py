"""The language choice in the browser: an operator whose browser asks for English picks
Simplified Chinese on the account page; the dashboard then speaks it on every page, and its
scripts (numbers and times formatted for <html lang>) run without an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, create_operator, open_page
from tests.support.server import RunningServer


@pytest.fixture
def operator_page(browser: Browser, dashboard: RunningServer) -> Iterator[Page]:
    yield from open_page(browser, dashboard, create_operator(dashboard, "admin"), LAPTOP)


def test_an_operator_picks_chinese_and_back(operator_page: Page) -> None:
    page = operator_page
    page.get_by_role("link", name="Language", exact=True).click()
    page.get_by_label("Language of the dashboard").select_option(label="中文 (简体)")
    page.locator("#language-form").get_by_role("button", name="Save").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#language-heading")).to_have_text("语言")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("link", name="充电桩", exact=True)).to_be_visible()
    page.goto("/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("充电会话")

    page.get_by_role("link", name="语言", exact=True).click()
    page.get_by_label("管理面板语言").select_option(value="")
    page.locator("#language-form").get_by_role("button", name="保存").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
