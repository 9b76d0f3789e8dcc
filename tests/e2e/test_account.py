"""Two-factor sign-in in the browser: an operator enrols with the QR code's key (the code
computed as an authenticator app would), keeps the recovery codes, signs out, and signs in
again with the password and then a code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, Operator, create_operator, open_page
from tests.support.server import RunningServer


@pytest.fixture
def operator(dashboard: RunningServer) -> Operator:
    return create_operator(dashboard, "operator")


@pytest.fixture
def operator_page(browser: Browser, dashboard: RunningServer, operator: Operator) -> Iterator[Page]:
    yield from open_page(browser, dashboard, operator, LAPTOP)


def code(secret: str, steps: int = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=30 * steps)
    return pyotp.TOTP(secret).at(int(moment.timestamp()))


def test_enrol_then_sign_in_with_a_code(
    operator_page: Page, dashboard: RunningServer, operator: Operator
) -> None:
    page = operator_page
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.wait_for_url("**/account/two-factor")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret is not None
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret

    page.get_by_label("Code from the app").fill(code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#two-factor-enabled")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Done").click()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.get_by_label("Email address").fill(operator.email)
    page.get_by_label("Password").fill(operator.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code?next=/")
    expect(page.get_by_label("Code")).to_be_focused()
    page.get_by_label("Code").fill(code(secret, 1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{dashboard.base_url}/")
    expect(page.locator("#signed-in")).to_contain_text(operator.email)

    page.goto("/account/two-factor")
    expect(page.locator("#two-factor-on")).to_be_visible()
