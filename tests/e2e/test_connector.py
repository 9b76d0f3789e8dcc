"""The connector page in Chromium, with a real OCPP 1.6 station: a running session's live values
and curve, a remote stop that ends it, the tablet layout."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_live
from tests.e2e.test_sites import (
    LIVE,
    LiveStation,
    live_station,
    new_site,
    open_live,
)
from tests.support.server import RunningServer


def new_token(api: httpx.Client) -> str:
    tag = f"E2E{uuid.uuid4().hex[:10].upper()}"
    response = api.post("/id-tokens", json={"value": tag})
    assert response.status_code == 201, response.text
    return tag


def start_session(station: LiveStation, tag: str, evse: int = 1) -> int:
    answer = station.run(station.cp.start_tx(evse, tag, 1000))
    station.run(station.cp.status(evse, "Charging"))
    station.run(station.cp.meter(evse, answer.transaction_id, 1500))
    transaction_id: int = answer.transaction_id
    return transaction_id


def connector_url(page: Page, site_id: int, station: str, evse: int = 1) -> str:
    """The connector page's address, as the site page links it."""
    page.goto(f"/sites/{site_id}")
    href = page.get_by_role("link", name=f"{station}/{evse}/1").get_attribute("href")
    assert href is not None
    return href


def points(page: Page) -> int:
    value = page.locator("#power-chart").get_attribute("data-points")
    return int(value or 0)


def test_a_newcomer_finds_the_site_and_watches_the_power_curve_grow_live(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    name = f"Curve Depot {uuid.uuid4().hex[:6]}"
    site_id = new_site(api, name)
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        transaction_id = start_session(station, tag)

        # From the start page through the navigation and the site search to the connector.
        page.goto("/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sites").click()
        page.get_by_label("Search sites by name").fill(name)
        page.get_by_role("link", name=name).click()
        page.wait_for_url(f"**/sites/{site_id}")
        page.get_by_role("link", name=f"{station.ocpp_id}/1/1").click()
        wait_live(page)
        expect(page.get_by_role("heading", name=f"Connector {station.ocpp_id}/1/1")).to_be_visible()

        # The session so far: its readings prefill the live values and the curve.
        expect(page.locator("#connector-status .badge")).to_have_text("Charging")
        expect(page.locator("#session-link")).to_have_attribute(
            "href", f"/sessions/{transaction_id}"
        )
        expect(page.locator("#live-power")).to_have_text("7.40")
        expect(page.locator("#live-voltage")).to_have_text("232")
        expect(page.locator("#live-soc")).to_have_text("55")
        expect(page.locator("#live-energy")).to_have_text("0.50")
        assert points(page) == 1

        # New readings arrive live: the values change and the curve gains points.
        station.run(station.cp.meter(1, transaction_id, 2500))
        expect(page.locator("#live-energy")).to_have_text("1.50", timeout=LIVE)
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "2", timeout=LIVE)
        station.run(station.cp.meter(1, transaction_id, 4000))
        expect(page.locator("#live-energy")).to_have_text("3.00", timeout=LIVE)
        expect(page.locator("#power-chart")).to_have_attribute("data-points", "3", timeout=LIVE)
        drawn = page.evaluate(
            "Chart.getChart(document.getElementById('power-chart')).data.datasets[0].data.length"
        )
        assert drawn == 3


def test_a_remote_stop_from_the_connector_page_ends_the_session(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Stop Depot {uuid.uuid4().hex[:6]}")
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        transaction_id = start_session(station, tag)
        open_live(page, connector_url(page, site_id, station.ocpp_id))
        expect(page.locator("#live")).to_have_attribute("data-state", "running")

        async def stop_when_asked() -> Any:
            request = await station.cp.next_call("RemoteStopTransaction")
            await asyncio.sleep(0.2)  # the answer first, as a real station does
            await station.cp.stop_tx(transaction_id, 3000, reason="Remote")
            await station.cp.status(1, "Finishing")
            return request

        asked = station.later(stop_when_asked())
        page.get_by_role("button", name="Stop session").click()

        expect(page.locator("#command-result [data-outcome]")).to_have_text(
            "Accepted by the station"
        )
        assert asked.result(15) == {"transactionId": transaction_id}
        expect(page.locator("#session-state")).to_contain_text("Session ended", timeout=LIVE)
        expect(page.locator("#live")).to_have_attribute("data-state", "ended")
        expect(page.locator("#live-energy")).to_have_text("2.00")
        expect(page.locator("#connector-status .badge")).to_have_text("Finishing", timeout=LIVE)
        expect(page.get_by_role("button", name="Stop session")).to_be_disabled()


def test_the_connector_page_reads_on_a_tablet_without_sideways_scroll(
    tablet: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Tablet Depot {uuid.uuid4().hex[:6]}")
    tag = new_token(api)
    with live_station(dashboard, api, site_id) as station:
        start_session(station, tag)
        tablet.goto(connector_url(tablet, site_id, station.ocpp_id))
        expect(tablet.locator("#live-power")).to_have_text("7.40")
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"the page scrolls sideways: {width}px wide"
