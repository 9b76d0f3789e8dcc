"""Money in a browser: a finance user makes a time-of-use tariff through its form, asks the
calculator, assigns the tariff to a site, tops up a wallet, and reads a real station's session
cost line by line; the wallet page on a phone has no horizontal scroll."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Ids, create_token, register_station
from tests.e2e.conftest import Operator, create_operator, open_page
from tests.e2e.test_faults import in_thread
from tests.integration.api.test_api_money import charge, peak_hour, wait_for_cdr, zone_where_17_is
from tests.support.server import RunningServer

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def finance(dashboard: RunningServer) -> Operator:
    return create_operator(dashboard, "finance")


@pytest.fixture
def desk(browser: Browser, dashboard: RunningServer, finance: Operator) -> Iterator[Page]:
    yield from open_page(browser, dashboard, finance, {"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, dashboard: RunningServer, finance: Operator) -> Iterator[Page]:
    yield from open_page(browser, dashboard, finance, PHONE)


def fill_tariff(page: Page, name: str) -> None:
    page.goto("/tariffs")
    page.locator("#new-tariff").click()
    form = page.locator("#tariff-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("VAT (%)").fill("25.5")
    peak = page.locator("#element-1")
    peak.get_by_label("Per kWh").fill("0.40")
    peak.get_by_label("From (time of day)").fill("17:00")
    peak.get_by_label("Until (time of day)").fill("21:00")
    rest = page.locator("#element-2")
    rest.get_by_label("Per kWh").fill("0.25")
    rest.get_by_label("Per hour idle").fill("6,00")
    rest.get_by_label("Idle time billed per (s)").fill("60")
    rest.get_by_label("Per session").fill("0.50")


@pytest.mark.timeout(400)
def test_a_finance_user_prices_tops_up_and_reads_a_session_cost(
    desk: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    ids = Ids()
    name = f"Peak {ids.suffix}"
    peak = peak_hour()
    site = api.post(
        "/sites", json={"name": f"Site {ids.suffix}", "timezone": zone_where_17_is(peak)}
    )
    assert site.status_code == 201, site.text
    fill_tariff(desk, name)
    # A mistake first: a negative price, answered beside its field.
    desk.locator("#element-2").get_by_label("Per session").fill("-0.50")
    desk.locator("#save-tariff").click()
    expect(desk.locator("#f-e2_flat-error")).to_have_text("Must not be negative.")
    desk.locator("#element-2").get_by_label("Per session").fill("0.50")
    desk.locator("#save-tariff").click()
    expect(desk.locator("#tariff-notice")).to_have_text("The tariff is created.")
    expect(desk.locator(".tariff-elements").first).to_contain_text("from 17:00 to 21:00")

    # The calculator: its default question is a 40 kWh session from 16:30 to 19:00 on a
    # Tuesday; 20 idle minutes more.
    calculator = desk.locator("#calc-form")
    calculator.get_by_label("Then idle (minutes)").fill("20")
    calculator.get_by_role("button", name="Calculate").click()
    quote = desk.locator("#quote")
    expect(quote).to_contain_text("A 40 kWh session on Tuesday")
    expect(quote).to_contain_text("8.000 kWh from 16:30 to 17:00 at €0.25 per kWh")
    expect(quote).to_contain_text("32.000 kWh from 17:00 to 19:00 at €0.40 per kWh")
    expect(quote).to_contain_text("20 min idle from 19:00 to 19:20 at €6.00 per hour")
    # 2.00 + 12.80 + 2.00 + 0.50 = 17.30; VAT 25.5 % 4.41: 21.71.
    expect(desk.locator("#quote-incl")).to_have_text("€21.71")

    # Assign it to a site whose 17:00 is three hours ago; a station there charges across it.
    assign = desk.locator("#assign-form")
    assign.get_by_label("Applies to").select_option("site")
    assign.get_by_label("Site").select_option(str(site.json()["id"]))
    assign.get_by_role("button", name="Assign").click()
    expect(desk.locator("#assignment-list")).to_contain_text(f"Site Site {ids.suffix}")

    # A wallet, topped up once although the form is sent twice.
    desk.goto("/wallets")
    wallet_name = f"Fleet {uuid.uuid4().hex[:6]}"
    form = desk.locator("#new-wallet")
    form.get_by_label("Name").fill(wallet_name)
    form.get_by_role("button", name="Create").click()
    expect(desk.locator("#wallet-notice")).to_have_text("The wallet is created.")
    top_up = desk.locator("#form-top-up")
    top_up.get_by_label("Amount (EUR)").fill("25.00")
    key = top_up.locator("input[name=key]").get_attribute("value")
    top_up.get_by_role("button", name="Top up").click()
    expect(desk.locator("#wallet-notice")).to_have_text("The top-up is recorded.")
    expect(desk.locator("#wallet-balance")).to_have_text("€25.00")
    token = desk.locator("#form-top-up input[name=csrf_token]").get_attribute("value")
    again = desk.request.post(
        desk.url.split("?")[0] + "/entries/top-up",
        form={"csrf_token": token or "", "amount": "25.00", "key": key or ""},
        max_redirects=0,
    )
    assert again.headers["location"].endswith("?notice=replayed")
    desk.reload()
    expect(desk.locator("#wallet-balance")).to_have_text("€25.00")
    expect(desk.locator("#ledger tbody tr")).to_have_count(1)

    # A card paying from it, and a session on the priced site.
    station, tag = ids.station(), ids.tag()
    register_station(api, station, site_id=site.json()["id"])
    create_token(api, tag)
    desk.locator("#form-token").get_by_label("Token value").fill(tag)
    desk.locator("#submit-token").click()
    expect(desk.locator("#wallet-tokens")).to_contain_text(tag)
    transaction: list[int] = []

    async def session() -> None:
        transaction.append(await charge(dashboard, station, tag, peak))

    in_thread(session())
    wait_for_cdr(api, transaction[0])
    desk.goto(f"/sessions/{transaction[0]}")
    lines = desk.locator("#bill-lines li")
    expect(lines).to_have_count(4)
    expect(lines.nth(0)).to_have_text(
        "6.000 kWh from 16:30 to 17:00 at €0.25 per kWh (the price at other times) = €1.50"
    )
    expect(desk.locator("#bill-lines")).to_contain_text(
        "6.345 kWh from 17:00 to 17:30 at €0.40 per kWh (the price from 17:00 to 21:00) = €2.54"
    )
    expect(desk.locator("#bill-excl")).to_have_text("€6.54")
    expect(desk.locator("#bill-incl")).to_have_text("€8.21")
    desk.get_by_role("link", name="Paid from a prepaid wallet.").click()
    expect(desk.locator("#wallet-balance")).to_have_text("€16.79")
    expect(desk.locator("#ledger tbody tr").first).to_contain_text("Charging")


def test_the_wallet_page_fits_a_phone(phone: Page, api: httpx.Client) -> None:
    wallet = api.post(
        "/wallets", json={"name": f"Phone {uuid.uuid4().hex[:6]}", "owner_kind": "account"}
    )
    assert wallet.status_code == 201, wallet.text
    for path in (f"/wallets/{wallet.json()['id']}", "/tariffs/new", "/wallets/records"):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
