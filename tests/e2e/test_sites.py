"""Site monitoring in Chromium, with real OCPP 1.6 (and 2.0.1) stations: live state changes
without a reload, in one vocabulary whatever the version, fuzzy site search, power limits on
selected connectors, the tablet layout."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_live
from tests.support.ocpp16 import TestChargePoint, charge_point
from tests.support.ocpp201 import charge_point201
from tests.support.server import RunningServer

T = TypeVar("T")
LIVE = 3_000
"""Milliseconds a live change may take to show (the issue asks for 2 s; some slack for CI)."""


class LiveStation:
    """A real OCPP 1.6 charge point on an event loop of its own thread, so that synchronous
    browser tests can drive it while the page watches."""

    def __init__(self, server: RunningServer, ocpp_id: str) -> None:
        self.ocpp_id = ocpp_id
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stack = contextlib.AsyncExitStack()
        self.cp: TestChargePoint = self.run(self._connect(server))

    async def _connect(self, server: RunningServer) -> TestChargePoint:
        cp = await self.stack.enter_async_context(charge_point(server.ocpp_url, self.ocpp_id))
        assert (await cp.boot()).status == "Accepted"
        return cp

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def later(self, coroutine: Coroutine[Any, Any, T]) -> Any:
        """Start ``coroutine`` on the station's loop and return at once (a future)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self.stack.aclose(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextlib.contextmanager
def live_station(
    server: RunningServer, api: httpx.Client, site_id: int, connectors: int = 2
) -> Iterator[LiveStation]:
    """A station of a fresh identity, connected, its connectors Available, placed at the site."""
    station = LiveStation(server, f"E2E-{uuid.uuid4().hex[:8].upper()}")
    try:
        for n in range(1, connectors + 1):
            station.run(station.cp.status(n, "Available"))
        response = api.patch(f"/stations/{station.ocpp_id}", json={"site_id": site_id})
        assert response.status_code == 200, response.text
        yield station
    finally:
        station.close()


def new_site(api: httpx.Client, name: str) -> int:
    response = api.post("/sites", json={"name": name, "timezone": "Europe/Helsinki"})
    assert response.status_code == 201, response.text
    site_id: int = response.json()["id"]
    return site_id


def open_live(page: Page, url: str) -> None:
    """Open ``url`` and wait until its live stream is subscribed."""
    page.goto(url)
    wait_live(page)


def row(page: Page, station: str, evse: int) -> Any:
    return page.locator(
        f'#connectors tr[data-station="{station}"][data-evse="{evse}"][data-connector="1"]'
    )


def test_a_simulated_station_going_to_charging_turns_the_connector_live_without_reload(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Live Depot {uuid.uuid4().hex[:6]}")
    with live_station(dashboard, api, site_id) as station:
        open_live(page, f"/sites/{site_id}")
        expect(row(page, station.ocpp_id, 1).locator(".badge")).to_have_text("Available")
        expect(page.locator("#figure-in-use")).to_have_text("0")
        page.evaluate("window.notReloaded = true")

        station.run(station.cp.status(1, "Charging"))

        expect(row(page, station.ocpp_id, 1).locator(".badge")).to_have_text(
            "Charging", timeout=LIVE
        )
        expect(row(page, station.ocpp_id, 1).locator(".badge")).to_have_class(
            re.compile("status-charging")
        )
        expect(page.locator("#figure-in-use")).to_have_text("1", timeout=LIVE)
        expect(page.locator('#status-counts li[data-state="charging"] .count')).to_have_text("1")
        expect(page.locator('#status-counts li[data-state="available"] .count')).to_have_text("1")
        assert page.evaluate("window.notReloaded") is True


class LiveStation201(LiveStation):
    """The same with a real OCPP 2.0.1 charging station."""

    async def _connect(self, server: RunningServer) -> Any:
        cp = await self.stack.enter_async_context(charge_point201(server.ocpp_url, self.ocpp_id))
        assert (await cp.boot()).status == "Accepted"
        return cp


def test_a_201_station_charging_shows_as_charging_beside_a_16_one(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    """2.0.1 says Occupied and tells the rest in TransactionEvents; the page says what both
    versions' connectors are doing in the same words, and counts them together."""
    site_id = new_site(api, f"Mixed Depot {uuid.uuid4().hex[:6]}")
    with live_station(dashboard, api, site_id, connectors=1) as old:
        new = LiveStation201(dashboard, f"E2E-{uuid.uuid4().hex[:8].upper()}")
        try:
            new.run(new.cp.status(1, 1, "Available"))
            response = api.patch(f"/stations/{new.ocpp_id}", json={"site_id": site_id})
            assert response.status_code == 200, response.text
            open_live(page, f"/sites/{site_id}")
            expect(page.locator('#status-counts li[data-state="available"] .count')).to_have_text(
                "2"
            )
            old.run(old.cp.status(1, "Charging"))
            new.run(new.cp.status(1, 1, "Occupied"))
            badge = row(page, new.ocpp_id, 1).locator(".badge")
            expect(badge).to_have_text("Preparing", timeout=LIVE)
            new.run(
                new.cp.transaction_event(
                    "Started", "TX-E2E", 0, "ChargingStateChanged", 1_000, charging_state="Charging"
                )
            )
            expect(badge).to_have_text("Charging", timeout=LIVE)
            expect(badge).to_have_class(re.compile("status-charging"))
            charging = page.locator('#status-counts li[data-state="charging"]')
            expect(charging.locator(".count")).to_have_text("2", timeout=LIVE)
            expect(charging.locator(".badge")).to_have_text("Charging")
            expect(page.locator("#status-counts li")).to_have_count(1)
            expect(page.locator("#status-counts")).not_to_contain_text("Occupied")
            expect(page.locator("#figure-in-use")).to_have_text("2")
            new.run(
                new.cp.transaction_event(
                    "Updated",
                    "TX-E2E",
                    1,
                    "ChargingStateChanged",
                    1_500,
                    charging_state="SuspendedEVSE",
                )
            )
            expect(badge).to_have_text("Suspended", timeout=LIVE)
            expect(page.locator('#status-counts li[data-state="suspended"] .count')).to_have_text(
                "1"
            )
        finally:
            new.close()


def test_fuzzy_site_search_finds_harbour_garage(page: Page, api: httpx.Client) -> None:
    marker = uuid.uuid4().hex[:6]
    harbour = new_site(api, f"Harbour Garage {marker}")
    other = new_site(api, f"Mountain View {marker}")
    page.goto("/sites")
    expect(page.locator(f'a[href="/sites/{other}"]')).to_be_visible()
    page.get_by_label("Search sites by name").fill("hrbr")
    expect(page.locator(f'a[href="/sites/{other}"]')).to_have_count(0)
    expect(page.get_by_role("link", name=f"Harbour Garage {marker}")).to_be_visible()
    page.get_by_role("link", name=f"Harbour Garage {marker}").click()
    page.wait_for_url(f"**/sites/{harbour}")
    expect(page.get_by_role("heading", name=f"Harbour Garage {marker}")).to_be_visible()


def test_setting_and_removing_a_power_limit_on_two_selected_connectors(
    page: Page, dashboard: RunningServer, api: httpx.Client
) -> None:
    site_id = new_site(api, f"Limits {uuid.uuid4().hex[:6]}")
    with live_station(dashboard, api, site_id) as station:
        page.goto(f"/sites/{site_id}")
        for evse in (1, 2):
            expect(row(page, station.ocpp_id, evse).locator(".setting")).to_have_text("No limit")
            page.get_by_label(f"Select {station.ocpp_id}/{evse}/1").check()
        page.get_by_label("Limit (kW)").fill("7.4")
        page.get_by_role("button", name="Set limit").click()

        expect(page.locator("#power-results li")).to_have_count(2)
        expect(page.locator('#power-results [data-outcome="accepted"]')).to_have_count(2)
        for evse in (1, 2):
            expect(row(page, station.ocpp_id, evse).locator(".setting")).to_have_text(
                "Limited to 7.4 kW"
            )
        sent = [p for action, p in station.cp.calls if action == "SetChargingProfile"]
        assert sorted(p["connectorId"] for p in sent) == [1, 2]
        assert {p["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"] for p in sent} == {
            "W"
        }

        for evse in (1, 2):
            page.get_by_label(f"Select {station.ocpp_id}/{evse}/1").check()
        page.get_by_role("button", name="Remove limit").click()
        for evse in (1, 2):
            expect(row(page, station.ocpp_id, evse).locator(".setting")).to_have_text("No limit")
        cleared = [p for action, p in station.cp.calls if action == "ClearChargingProfile"]
        assert sorted(p["connectorId"] for p in cleared) == [1, 2]


@pytest.mark.parametrize("path", ["/sites", "/sites/{site_id}"])
def test_the_site_pages_read_on_a_tablet_without_sideways_scroll(
    tablet: Page, dashboard: RunningServer, api: httpx.Client, path: str
) -> None:
    site_id = new_site(api, f"Tablet Site {uuid.uuid4().hex[:6]}")
    with live_station(dashboard, api, site_id):
        tablet.goto(path.format(site_id=site_id))
        expect(tablet.locator("h1")).to_be_visible()
        width = tablet.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"the page scrolls sideways: {width}px wide"
